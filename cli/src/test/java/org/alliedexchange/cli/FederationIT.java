package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.cli.federation.LocalFederation;
import org.alliedexchange.exchange.feed.LiveFeed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamGroupInfo;
import tools.jackson.databind.JsonNode;

/**
 * End to end: the whole federation started by the same launcher as `./allied up` (Keycloak, Redis,
 * three exchange services with their PostgreSQL, the audit service, the gateway), driven by the
 * command line as a national system, an administrator and an auditor would.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FederationIT {

  static Path dataDir;
  static LocalFederation federation;
  static final List<String> progress = java.util.Collections.synchronizedList(new ArrayList<>());

  record Result(int exit, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    dataDir = Files.createTempDirectory("allied-federation-");
    federation =
        LocalFederation.builder()
            .dataDir(dataDir)
            .gatewayPort(freePort())
            .keycloakPort(freePort())
            .progress(
                line -> {
                  progress.add(line);
                  System.out.println("federation: " + line);
                })
            .start();
  }

  @AfterAll
  static void stop() {
    if (federation != null) {
      federation.close();
    }
  }

  static int freePort() throws Exception {
    return org.alliedexchange.devservers.LoopbackPorts.free();
  }

  static Result run(String... args) {
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

  @Test
  @Order(1)
  void statusNamesEveryPartAndTheStateFileHoldsWhatAClientNeeds() throws Exception {
    Result status = run("status", "--json");
    assertThat(status.exit()).as(status.err()).isZero();
    JsonNode state = Json.MAPPER.readTree(status.out());
    assertThat(state.path("gateway").asString()).isEqualTo(federation.gateway().toString());
    assertThat(state.path("services").path("exchange-KOR").asString()).startsWith("127.0.0.1:");
    assertThat(state.path("systems").findValuesAsString("clientId"))
        .contains("kor-jcs-publisher", "jpn-mod-reader", "usa-dia-reader");
    assertThat(state.path("people").findValuesAsString("username"))
        .contains(
            "kor-auditor", "jpn-auditor", "federation-admin", "kor-principal", "usa-watch-officer");
    assertThat(state.path("services").path("hotline-JPN").asString()).startsWith("127.0.0.1:");
    assertThat(state.path("systems").findValuesAsString("clientId")).contains("jpn-hotline");
    // it holds secrets: readable by its owner only
    assertThat(Files.getPosixFilePermissions(LocalFederation.stateFile(dataDir)))
        .containsExactlyInAnyOrder(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
  }

  @Test
  @Order(1)
  void theTerminalShowsNoSecretThatTheStateFileHolds() throws Exception {
    java.io.StringWriter summary = new java.io.StringWriter();
    UpCommand.printSummary(federation, new java.io.PrintWriter(summary));
    String terminal = String.join("\n", progress) + "\n" + summary;
    List<String> secrets = new ArrayList<>();
    collectSecrets(
        Json.MAPPER.readTree(Files.readString(LocalFederation.stateFile(dataDir))), "", secrets);

    assertThat(secrets).as("the state file holds the secrets a local user needs").isNotEmpty();
    assertThat(terminal).contains("./allied token --client jpn-mod-reader");
    for (String secret : secrets) {
      assertThat(terminal).as("what `allied up` prints").doesNotContain(secret);
    }
  }

  /** Every value under a key naming a secret or a password, and every URL's userinfo. */
  private static void collectSecrets(JsonNode node, String key, List<String> into) {
    if (node.isObject()) {
      node.properties().forEach(e -> collectSecrets(e.getValue(), e.getKey(), into));
    } else if (node.isArray()) {
      node.forEach(element -> collectSecrets(element, key, into));
    } else if (node.isString()) {
      String value = node.asString();
      if (key.toLowerCase().matches(".*(secret|password).*") && value.length() >= 8) {
        into.add(value);
      }
      java.util.regex.Matcher userinfo =
          java.util.regex.Pattern.compile("^[a-z]+://([^@/]+)@").matcher(value);
      if (userinfo.find()) {
        into.add(userinfo.group(1));
      }
    }
  }

  @Test
  @Order(2)
  void theDemoPlaysEveryStepAgainstTheRealFederation() {
    Result demo = run("demo");
    assertThat(demo.exit()).as(demo.out() + demo.err()).isZero();
    assertThat(demo.out())
        .contains(
            "Japan received it marked 極秘",
            "The USA received it marked SECRET",
            "The USA received it marked TOP SECRET",
            "is not released to you; quote transfer ",
            "NOT_RELEASABLE_TO_NATION]: the auditors read why",
            "third-party rule",
            "Now the USA gets it marked SECRET, and Japan marked 極秘",
            "KOR-JPN-GSOMIA-2016: SUSPENDED",
            "Japan's open subscription received nothing",
            "NO_AGREEMENT_IN_FORCE",
            "KOR-JPN-GSOMIA-2016: IN_FORCE",
            "Japan's same subscription receives again",
            "with the same hashes",
            "The chain verifies for both",
            // the hotline scene: receipts per party, a cut line restored with nothing lost
            "Korea sees RECEIPT  ",
            "  JPN  ACKNOWLEDGED  by jpn-watch-officer",
            "  USA  ACKNOWLEDGED  by usa-watch-officer",
            "The USA received all four at once",
            "MESSAGE  FLASH  DELAYED ",
            "The FLASH overtook the queued ROUTINE traffic",
            "  JPN  ACKNOWLEDGED  by jpn-principal",
            "Every step held.");
  }

  @Test
  @Order(3)
  void aNationalSystemPublishesAndReadsThroughTheCommandLine() throws Exception {
    Result published =
        run(
            "publish",
            "--client",
            "kor-jcs-publisher",
            "--file",
            Path.of(System.getProperty("allied.home", ".."))
                .resolve("examples/product.json")
                .toString(),
            "--json");
    assertThat(published.exit()).as(published.err()).isZero();
    String id = Json.MAPPER.readTree(published.out()).path("content").path("id").asString();
    Result japan = run("get", id, "--client", "jpn-mod-reader", "--nation", "KOR");
    assertThat(japan.exit()).as(japan.err()).isZero();
    assertThat(japan.out()).contains(id, "極秘 (JPN marking of KOR 군사II급비밀)");
    Result search =
        run(
            "search",
            "--client",
            "usa-dia-reader",
            "--nation",
            "KOR",
            "--topic",
            "dprk.missile.launch",
            "--json");
    assertThat(search.exit()).isZero();
    assertThat(search.out()).contains(id);
    Result token = run("token", "--client", "jpn-mod-reader", "--json");
    assertThat(Json.MAPPER.readTree(token.out()).path("claims").path("nation").asString())
        .isEqualTo("JPN");
  }

  @Test
  @Order(4)
  void aSubscriberAtTheCommandLineReceivesWhatIsPublishedAndAnAmendment() throws Exception {
    Path product = dataDir.resolve("kor-only.json");
    String topic = "it.subscribe." + System.nanoTime();
    Files.writeString(
        product,
        Files.readString(
                Path.of(System.getProperty("allied.home", "..")).resolve("examples/product.json"))
            .replace("\"dprk.missile.launch\"", "\"" + topic + "\"")
            .replace("[\"KOR\", \"JPN\", \"USA\"]", "[\"KOR\"]"));
    java.util.concurrent.CompletableFuture<Result> subscriber =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () ->
                run(
                    "subscribe",
                    "--client",
                    "usa-dia-reader",
                    "--nation",
                    "KOR",
                    "--topic",
                    topic,
                    "--count",
                    "1"));
    // the subscription reaches KOR's exchange service through the gateway: wait until its live feed
    // holds it
    LiveFeed korFeed = federation.exchange("KOR").context().getBean(LiveFeed.class);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> korFeed.subscriptions(topic) == 1 || subscriber.isDone());
    Result published =
        run("publish", "--client", "kor-jcs-publisher", "--file", product.toString(), "--json");
    assertThat(published.exit()).as(published.err()).isZero();
    String id = Json.MAPPER.readTree(published.out()).path("content").path("id").asString();
    // KOR-only: the USA's subscriber gets nothing until Korea amends the releasability
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !subscriber.isDone());
    assertThat(subscriber).isNotDone();
    Result amended =
        run(
            "amend",
            id,
            "--client",
            "kor-jcs-publisher",
            "--releasable-to",
            "KOR,USA",
            "--justification",
            "end-to-end test");
    assertThat(amended.exit()).as(amended.err()).isZero();
    assertThat(amended.out()).contains("releasable to KOR,USA");
    Result received = subscriber.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(received.exit()).as(received.err()).isZero();
    assertThat(received.out()).contains(id, "SECRET (USA marking of KOR 군사II급비밀)");
  }

  @Test
  @Order(5)
  void anAuditorLogsInAtTheTerminalAndVerifiesAnExportOfTheDemosRelationship() throws Exception {
    Result login = run("login", "--user", "jpn-auditor");
    assertThat(login.exit()).as(login.err()).isZero();
    Path token = dataDir.resolve("jpn-auditor.token");
    Files.writeString(token, login.out().trim());
    Path export = dataDir.resolve("jpn-kor.jsonl");
    Result exported =
        run(
            "audit",
            "export",
            "--relationship",
            "JPN-KOR",
            "--output",
            export.toString(),
            "--token-file",
            token.toString(),
            "--gateway",
            federation.gateway().toString());
    assertThat(exported.exit()).as(exported.err()).isZero();
    Result verified =
        run(
            "audit",
            "verify",
            "--file",
            export.toString(),
            "--key",
            federation.checkpointKey().toString());
    assertThat(verified.exit()).as(verified.out()).isZero();
    assertThat(verified.out()).startsWith("VERIFIED");
    Path wrong = dataDir.resolve("wrong-password");
    Files.writeString(wrong, "not-the-password");
    Result refused = run("login", "--user", "jpn-auditor", "--password-file", wrong.toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("Keycloak refused the login of jpn-auditor");
  }

  @Test
  @Order(6)
  void refusalsPrintTheStatusAndExitNonZero() throws Exception {
    Result unknown =
        run(
            "get",
            "00000000-0000-0000-0000-000000000000",
            "--client",
            "jpn-mod-reader",
            "--nation",
            "KOR");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("NOT_FOUND");
    Path wrong = dataDir.resolve("wrong-secret");
    Files.writeString(wrong, "not-the-secret");
    Result badSecret =
        run(
            "get",
            "00000000-0000-0000-0000-000000000000",
            "--client",
            "jpn-mod-reader",
            "--nation",
            "KOR",
            "--secret-file",
            wrong.toString());
    assertThat(badSecret.exit()).isEqualTo(1);
    assertThat(badSecret.err()).contains("Keycloak refused a token to jpn-mod-reader");
    Result noClient = run("get", "x");
    assertThat(noClient.exit()).isEqualTo(Allied.MALFORMED_INPUT);
    assertThat(noClient.err()).contains("--client");
    Result foreignPublish =
        run(
            "publish",
            "--client",
            "jpn-js-publisher",
            "--nation",
            "KOR",
            "--file",
            Path.of(System.getProperty("allied.home", ".."))
                .resolve("examples/product.json")
                .toString());
    assertThat(foreignPublish.exit()).isEqualTo(1);
    assertThat(foreignPublish.err()).contains("PERMISSION_DENIED");
  }

  @Test
  @Order(7)
  void aHotlineMemberSendsWatchesAndAcknowledgesAtTheCommandLine() throws Exception {
    Result conferences = run("hotline", "conferences", "--user", "jpn-nsa");
    assertThat(conferences.exit()).as(conferences.err()).isZero();
    assertThat(conferences.out()).contains("JPN-KOR-USA  nations JPN,KOR,USA  ceiling SECRET");

    Result sent =
        run(
            "hotline",
            "send",
            "--user",
            "usa-watch-officer",
            "--conference",
            "JPN-KOR-USA",
            "--precedence",
            "PRIORITY",
            "--marking",
            "SECRET",
            "--text",
            "Line check.",
            "--drill");
    assertThat(sent.exit()).as(sent.err()).isZero();
    String id = sent.out().strip();
    assertThat(id).matches("[0-9a-f-]{36}");

    // Japan's watch officer follows the conference from its start until the message shows
    ByteArrayOutputStream watched = new ByteArrayOutputStream();
    Thread watch =
        new Thread(
            () ->
                Allied.commandLine(
                        new ByteArrayInputStream(new byte[0]),
                        watched,
                        new ByteArrayOutputStream(),
                        Clock.systemUTC())
                    .execute(
                        "hotline",
                        "watch",
                        "--user",
                        "jpn-watch-officer",
                        "--conference",
                        "JPN-KOR-USA",
                        "--from",
                        "0",
                        "--data-dir",
                        dataDir.toString()));
    watch.start();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> watched.toString(StandardCharsets.UTF_8).contains("id " + id));
    } finally {
      watch.interrupt();
      watch.join(10_000);
    }
    String line =
        watched
            .toString(StandardCharsets.UTF_8)
            .lines()
            .filter(l -> l.contains("id " + id))
            .findFirst()
            .orElseThrow();
    assertThat(line)
        .startsWith("MESSAGE  PRIORITY  DRILL  JPN-KOR-USA #")
        .contains("from USA usa-watch-officer  極秘 (JPN marking of USA SECRET)")
        .contains("\"Line check.\"  cursor ");

    Result ack = run("hotline", "ack", id, "--user", "jpn-principal");
    assertThat(ack.exit()).as(ack.err()).isZero();
    assertThat(ack.out()).startsWith("RECEIPT  " + id + "  JPN  ACKNOWLEDGED  by jpn-principal");
    Result status = run("hotline", "status", "--user", "kor-watch-officer");
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out()).startsWith("node KOR\n");

    Result override =
        run(
            "hotline",
            "send",
            "--user",
            "kor-watch-officer",
            "--conference",
            "JPN-KOR-USA",
            "--precedence",
            "FLASH_OVERRIDE",
            "--marking",
            "군사II급비밀",
            "--text",
            "x");
    assertThat(override.exit()).isEqualTo(1);
    assertThat(override.err()).startsWith("allied hotline send: PERMISSION_DENIED: ");
    Result aboveCeiling =
        run(
            "hotline",
            "send",
            "--user",
            "usa-principal",
            "--conference",
            "JPN-KOR-USA",
            "--precedence",
            "FLASH",
            "--marking",
            "TOP SECRET",
            "--text",
            "x");
    assertThat(aboveCeiling.exit()).isEqualTo(1);
    assertThat(aboveCeiling.err()).startsWith("allied hotline send: FAILED_PRECONDITION: ");
  }

  /**
   * Each writer's records of the run (the gateway's, the exchange services', every hotline node's)
   * reach the log through its own stream, and not one is dead-lettered: every record a real writer
   * makes is one its stream may hold.
   */
  @Test
  @Order(100)
  void everyWritersRecordsOfTheRunAreStoredFromItsOwnStreamAndNoneIsDeadLettered() {
    List<AuditWriter> writers = AuditWriter.of(List.of("KOR", "JPN", "USA"));
    try (RedisClient redis =
        RedisConnections.connect(federation.redis().url(), Duration.ofSeconds(5))) {
      assertThat(redis.xlen(AuditWriter.gateway().streamKey())).isPositive();
      assertThat(redis.xlen(AuditWriter.exchange("KOR").streamKey())).isPositive();
      for (String nation : List.of("KOR", "JPN", "USA")) {
        assertThat(redis.xlen(AuditWriter.hotline(nation).streamKey())).as(nation).isPositive();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                for (AuditWriter writer : writers) {
                  String key = writer.streamKey();
                  List<StreamEntry> last = redis.xrevrange(key, "+", "-", 1);
                  StreamGroupInfo group =
                      redis.xinfoGroups(key).stream()
                          .filter(g -> g.getName().equals("audit-service"))
                          .findFirst()
                          .orElseThrow(
                              () -> new AssertionError("no audit-service group on " + key));
                  assertThat(group.getPending()).as("pending on " + key).isZero();
                  if (!last.isEmpty()) {
                    assertThat(group.getLastDeliveredId())
                        .as("read to the end of " + key)
                        .isEqualTo(last.get(0).getID());
                  }
                }
              });
      assertThat(redis.xlen(AuditWriter.gateway().streamKey() + ":dead"))
          .as("dead letters")
          .isZero();
    }
  }
}
