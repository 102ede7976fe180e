package org.alliedexchange.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.cli.Allied;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.DockerClientFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The federation as containers, end to end: every part started from its image on one network, the
 * demo played through the gateway's published port, then one nation's exchange service stopped and
 * started again while the others serve on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerFederationIT {

  private static final List<String> NATIONS = List.of("KOR", "JPN", "USA");

  private static final String CONFERENCE = "JPN-KOR-USA";

  private ContainerFederation federation;
  private HotlineControl control;
  private Path work;
  private Path dataDir;
  private final List<AlliedClient> clients = new ArrayList<>();

  @BeforeAll
  void startTheFederationFromItsImages() throws Exception {
    ContainerEngine.require();
    Path root = Path.of(System.getProperty("allied.project.root", "..")).toAbsolutePath();
    String version = System.getProperty("allied.project.version", "0.1.0-SNAPSHOT");
    work = root.resolve("federation-containers/target/federation");
    ContainerEngine.run(null, List.of("rm", "-rf", work.toString()));
    Files.createDirectories(work);
    LocalImages images = new LocalImages(root, work, System.err::println);
    long imagesStarted = System.nanoTime();
    ContainerFederation.Images built =
        new ContainerFederation.Images() {
          final String redis = images.redis();
          final String postgres = images.postgres();
          final String keycloak = images.keycloak();
          final String exchange = images.service("exchange-service", version);
          final String audit = images.service("audit-service", version);
          final String gateway = images.service("gateway", version);
          final String hotline = images.service("hotline-service", version);

          @Override
          public String redis() {
            return redis;
          }

          @Override
          public String postgres() {
            return postgres;
          }

          @Override
          public String keycloak() {
            return keycloak;
          }

          @Override
          public String exchangeService() {
            return exchange;
          }

          @Override
          public String auditService() {
            return audit;
          }

          @Override
          public String gateway() {
            return gateway;
          }

          @Override
          public String hotlineService() {
            return hotline;
          }
        };
    double imageSeconds = (System.nanoTime() - imagesStarted) / 1e9;
    federation = new ContainerFederation(work, NATIONS, System.err::println);
    federation.start(built);
    report(imageSeconds);
    control = new HotlineControl(federation);
    dataDir = work.resolve("demo");
    Files.createDirectories(dataDir);
    Files.writeString(dataDir.resolve("state.json"), stateFile());
    // the gateway fetches the realm's keys at the first token it sees; a Keycloak container still
    // cold after its start can let that fetch time out (UNAUTHENTICATED, "Timeout while waiting for
    // cache refresh"), so the scenes start once a national system's call goes through
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () ->
                allied(
                            "search",
                            "--client",
                            "usa-dia-reader",
                            "--nation",
                            "KOR",
                            "--topic",
                            "warm.up.before.the.scenes")
                        .exit()
                    == 0);
  }

  @AfterAll
  void stopEverything() throws Exception {
    if (control != null) {
      control.close();
    }
    for (AlliedClient client : clients) {
      client.close();
    }
    // -Dallied.containers.keep=true leaves the federation running, to look at after a failure
    if (federation != null && !Boolean.getBoolean("allied.containers.keep")) {
      federation.close();
    }
  }

  @Test
  @Order(1)
  void theDemoPlaysEveryStepThroughTheContainersGateway() {
    Result demo = allied("demo");

    assertThat(demo.exit()).as(demo.out() + "\n" + demo.err()).isZero();
    assertThat(demo.out())
        .contains(
            "Japan received it marked 極秘",
            "The USA received it marked SECRET",
            "third-party rule",
            "KOR-JPN-GSOMIA-2016: SUSPENDED",
            "Japan's same subscription receives again",
            "The chain verifies for both",
            // the hotline scene, through the nodes' containers: receipts per party, Japan's node
            // container stopped and started again with nothing lost
            "  JPN  ACKNOWLEDGED  by jpn-watch-officer",
            "  USA  ACKNOWLEDGED  by usa-watch-officer",
            "The USA received all four at once",
            "MESSAGE  FLASH  DELAYED ",
            "The FLASH overtook the queued ROUTINE traffic",
            "  JPN  ACKNOWLEDGED  by jpn-principal",
            "Every step held.")
        .doesNotContain("runs no hotline nodes");
  }

  @Test
  @Order(2)
  void aFlashFromKoreaReachesJapansAndTheUsasWatchOfficersInTheirMarkingsWithReceiptsBack()
      throws Exception {
    Result sent =
        allied(
            "hotline",
            "send",
            "--user",
            "kor-watch-officer",
            "--conference",
            CONFERENCE,
            "--precedence",
            "FLASH",
            "--marking",
            "군사II급비밀",
            "--text",
            "FLASH: launch detected. Confer now.");
    assertThat(sent.exit()).as(sent.err()).isZero();
    String id = sent.out().strip();

    // each watch officer on their own node, through the gateway, in their own nation's marking
    Map<String, String> shown =
        watchUntil(List.of("jpn-watch-officer", "usa-watch-officer"), List.of("id " + id));
    assertThat(shown.get("jpn-watch-officer"))
        .startsWith("MESSAGE  FLASH  " + CONFERENCE + " #")
        .contains("from KOR kor-watch-officer  極秘 (JPN marking of KOR 군사II급비밀)");
    assertThat(shown.get("usa-watch-officer"))
        .startsWith("MESSAGE  FLASH  " + CONFERENCE + " #")
        .contains("from KOR kor-watch-officer  SECRET (USA marking of KOR 군사II급비밀)");
    for (String nation : List.of("jpn", "usa")) {
      Result ack = allied("hotline", "ack", id, "--user", nation + "-watch-officer");
      assertThat(ack.exit()).as(ack.err()).isZero();
    }

    // Korea's node has both receipts back
    String receipts =
        watchUntil(
                List.of("kor-watch-officer"),
                List.of(
                    "RECEIPT  " + id + "  JPN  ACKNOWLEDGED",
                    "RECEIPT  " + id + "  USA  ACKNOWLEDGED"))
            .get("kor-watch-officer");
    assertThat(receipts)
        .contains(
            "RECEIPT  " + id + "  JPN  ACKNOWLEDGED  by jpn-watch-officer",
            "RECEIPT  " + id + "  USA  ACKNOWLEDGED  by usa-watch-officer");
    Result status = allied("hotline", "status", "--user", "kor-watch-officer");
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out()).startsWith("node KOR\n").contains("LINK  JPN  ", "LINK  USA  ");
    // each node verifies its peers' chain heads: none started without a peer's public key
    for (String nation : NATIONS) {
      assertThat(federation.hotline(nation).getLogs()).doesNotContain("CHAIN_MISMATCH");
    }
  }

  @Test
  @Order(3)
  void
      aNationWhoseExchangeContainerStopsIsRefusedUnavailableWhileTheOthersServeOnThenServesAgain() {
    AlliedClient usa = system("usa-dia-reader");
    AlliedClient jpn = system("jpn-mod-reader");
    int korBefore = search(usa, "KOR");
    assertThat(korBefore).as("KOR's products released to the USA by the demo").isPositive();
    String kor = federation.exchange("KOR").getContainerId();
    var docker = DockerClientFactory.instance().client();

    docker.stopContainerCmd(kor).withTimeout(10).exec();

    StatusRuntimeException refused =
        catchThrowableOfType(StatusRuntimeException.class, () -> search(usa, "KOR"));
    assertThat(refused).as("a search of KOR's products while its container is stopped").isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(search(usa, "JPN")).as("JPN serves the USA on").isGreaterThanOrEqualTo(0);
    assertThat(search(jpn, "USA")).as("the USA serves JPN on").isGreaterThanOrEqualTo(0);
    assertThat(search(usa, "JPN")).isEqualTo(search(usa, "JPN"));

    docker.startContainerCmd(kor).exec();

    // the same container, its products still in its PostgreSQL: served again once it has started
    AtomicReference<String> last = new AtomicReference<>("no search yet");
    try {
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                try {
                  int served = search(usa, "KOR");
                  last.set(served + " products");
                  return served == korBefore;
                } catch (StatusRuntimeException e) {
                  last.set(e.getStatus().toString());
                  return false;
                }
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "KOR did not serve again after its container started; the last search: "
              + last.get()
              + "; its log:\n"
              + federation.exchange("KOR").getLogs(),
          e);
    }
  }

  private record Result(int exit, String out, String err) {}

  /** {@code allied <args>} against the containers, as a national operator runs it. */
  private Result allied(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data-dir", dataDir.toString()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        Allied.commandLine(new ByteArrayInputStream(new byte[0]), out, err, Clock.systemUTC())
            .execute(all.toArray(String[]::new));
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * Each of {@code users} follows the conference with `allied hotline watch` from its start until
   * its screen has a line holding each of {@code wanted}; those lines, by user.
   */
  private Map<String, String> watchUntil(List<String> users, List<String> wanted)
      throws InterruptedException {
    Map<String, ByteArrayOutputStream> screens = new LinkedHashMap<>();
    List<Thread> watches = new ArrayList<>();
    for (String user : users) {
      ByteArrayOutputStream screen = new ByteArrayOutputStream();
      screens.put(user, screen);
      Thread watch =
          new Thread(
              () ->
                  Allied.commandLine(
                          new ByteArrayInputStream(new byte[0]),
                          screen,
                          new ByteArrayOutputStream(),
                          Clock.systemUTC())
                      .execute(
                          "hotline",
                          "watch",
                          "--user",
                          user,
                          "--conference",
                          CONFERENCE,
                          "--from",
                          "0",
                          "--data-dir",
                          dataDir.toString()),
              "allied-hotline-watch-" + user);
      watches.add(watch);
      watch.start();
    }
    Map<String, String> shown = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, ByteArrayOutputStream> screen : screens.entrySet()) {
        ByteArrayOutputStream output = screen.getValue();
        try {
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> wanted.stream().allMatch(w -> textOf(output).contains(w)));
        } catch (ConditionTimeoutException e) {
          throw new AssertionError(
              screen.getKey() + "'s screen never showed " + wanted + ":\n" + textOf(output), e);
        }
        shown.put(
            screen.getKey(),
            String.join(
                "\n",
                textOf(output)
                    .lines()
                    .filter(line -> wanted.stream().anyMatch(w -> line.contains(w)))
                    .toList()));
      }
    } finally {
      for (Thread watch : watches) {
        watch.interrupt();
        watch.join(10_000);
      }
    }
    return shown;
  }

  private static String textOf(ByteArrayOutputStream screen) {
    return screen.toString(StandardCharsets.UTF_8);
  }

  /** How many of {@code nation}'s products {@code client} is given, reading through the gateway. */
  private static int search(AlliedClient client, String nation) {
    Iterator<SearchResponse> responses =
        client
            .exchange(nation)
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .search(SearchRequest.newBuilder().setPageSize(100).build());
    int count = 0;
    while (responses.hasNext()) {
      responses.next();
      count++;
    }
    return count;
  }

  private AlliedClient system(String clientId) {
    AlliedClient client =
        AlliedClient.connect(
            URI.create(federation.gatewayUrl()),
            new ClientCredentialsTokens(
                URI.create(federation.issuer() + "/protocol/openid-connect/token"),
                clientId,
                federation
                    .realmPlaceholders()
                    .get("ALLIED_SECRET_" + clientId.toUpperCase().replace('-', '_')),
                Clock.systemUTC()));
    clients.add(client);
    return client;
  }

  /** What `allied demo` reads of a running federation: where it is, its systems and people. */
  private String stateFile() {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("gateway", federation.gatewayUrl());
    state.put("console", federation.gatewayUrl() + "/console/");
    // the hotline nodes, by their names inside the network (only the gateway reaches them), and
    // the controls the demo cuts Japan's line with
    Map<String, String> services = new LinkedHashMap<>();
    for (String nation : NATIONS) {
      services.put("hotline-" + nation, ServiceEnvironment.hotline(nation) + ":9090");
    }
    state.put("services", services);
    state.put("control", Map.of("url", control.url(), "token", control.token()));
    state.put(
        "keycloak",
        Map.of(
            "issuer",
            federation.issuer(),
            "tokenEndpoint",
            federation.issuer() + "/protocol/openid-connect/token"));
    List<Map<String, String>> systems = new ArrayList<>();
    List<Map<String, String>> people = new ArrayList<>();
    federation
        .realmPlaceholders()
        .forEach(
            (name, value) -> {
              if (name.startsWith("ALLIED_SECRET_")) {
                systems.add(
                    Map.of(
                        "clientId",
                        name.substring("ALLIED_SECRET_".length()).toLowerCase().replace('_', '-'),
                        "clientSecret",
                        value));
              } else if (name.startsWith("ALLIED_PASSWORD_")) {
                people.add(
                    Map.of(
                        "username",
                        name.substring("ALLIED_PASSWORD_".length()).toLowerCase().replace('_', '-'),
                        "password",
                        value));
              }
            });
    state.put("systems", systems);
    state.put("people", people);
    return JsonMapper.builder().build().writeValueAsString(state);
  }

  private void report(double imageSeconds) throws Exception {
    StringBuilder lines = new StringBuilder();
    lines.append(
        String.format("images ready (built or cached, tars loaded): %.1f s%n", imageSeconds));
    lines.append(
        String.format("federation of containers ready: %.1f s%n", federation.startSeconds()));
    federation
        .readySeconds()
        .forEach((name, seconds) -> lines.append(String.format("  %s: %.1f s%n", name, seconds)));
    System.err.print(lines);
    Files.writeString(
        work.getParent().resolve("container-start-times.txt"),
        lines.toString(),
        StandardCharsets.UTF_8);
  }
}
