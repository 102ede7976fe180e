package org.alliedexchange.cli;

import com.google.protobuf.Timestamp;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.VerifyChainRequest;
import org.alliedexchange.api.audit.v1.VerifyChainResponse;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.GeoPoint;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.MissileLaunchReport;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import org.alliedexchange.client.PersonLogin;
import org.alliedexchange.client.TokenSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * `allied demo`: the scenario that shows what the system is for, played against the running local
 * federation and narrated step by step. Every step checks what it shows; the first that does not hold
 * ends the demo with exit 1.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Play, against the running local federation (`allied up`), the scenario that shows what Allied Exchange is for, "
        + "narrating each step and checking it.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:every step held", "1:a step did not hold, or the federation could not be reached"})
final class DemoCommand implements Callable<Integer> {

  static final String AGREEMENT = "KOR-JPN-GSOMIA-2016";

  @Spec
  CommandSpec spec;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "The running federation's data directory (default: as `allied up`).")
  Path dataDir;

  /** A step that did not hold. */
  static final class NotShown extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotShown(String message) {
      super(message, null, false, false);
    }
  }

  private PrintWriter out;
  private boolean suspended;
  private JsonNode state;
  private final List<AutoCloseable> open = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    Path file = LocalState.file(dataDir);
    if (!Files.exists(file)) {
      spec.commandLine().getErr().println("allied demo: no federation runs (no " + file + "); start one with `./allied up`");
      return 1;
    }
    state = Json.MAPPER.readTree(Files.readString(file));
    try {
      play();
      out.println();
      out.println("Every step held.");
      return 0;
    } catch (NotShown | StatusRuntimeException | TokenSource.TokenException e) {
      out.flush();
      spec.commandLine().getErr().println("allied demo: DEMO FAILED: " + (e instanceof StatusRuntimeException s
          ? ExchangeCommands.describe(s.getStatus()) : e.getMessage()));
      return 1;
    } finally {
      if (suspended) {
        // a failed step must not leave the federation with the agreement suspended
        admin("resume", "demo: restoring the agreement after a failed step");
      }
      for (AutoCloseable closeable : open) {
        closeable.close();
      }
      out.flush();
    }
  }

  private void play() throws Exception {
    String topic = "demo.dprk.missile.launch." + Instant.now().getEpochSecond();
    AlliedClient korPublisher = system("kor-jcs-publisher");
    AlliedClient jpnReader = system("jpn-mod-reader");
    AlliedClient usaReader = system("usa-dia-reader");
    AlliedClient jpnPublisher = system("jpn-js-publisher");

    if (!"IN_FORCE".equals(agreementStatus())) {
      say(0, AGREEMENT + " is not in force (an interrupted run?): resuming it first.");
      admin("resume", "demo: restoring the agreement before the demo");
      Thread.sleep(1_200);
    }

    say(1, "Japan's and the USA's systems subscribe to Korea's missile-launch reports (topic " + topic + ").");
    Subscription japan = subscribe(jpnReader, topic);
    Subscription usa = subscribe(usaReader, topic);
    Thread.sleep(1_000);

    say(2, "Korea publishes a launch report at 군사II급비밀 (SECRET), releasable to JPN and USA.");
    Instant sent = Instant.now();
    var secret = korPublisher.exchange("KOR").publish(report(topic, "군사II급비밀", "KOR", "JPN", "USA"));
    String secretId = secret.getContent().getId();
    SubscribeResponse atJapan = japan.next(5);
    SubscribeResponse atUsa = usa.next(5);
    expect(atJapan != null && atJapan.getContent().getId().equals(secretId), "Japan's subscription did not receive the report");
    expect(atUsa != null && atUsa.getContent().getId().equals(secretId), "the USA's subscription did not receive the report");
    expect(atJapan.getLabel().getRelease().getMarking().equals("極秘"), "Japan's copy is marked " + atJapan.getLabel().getRelease().getMarking());
    expect(atUsa.getLabel().getRelease().getMarking().equals("SECRET"), "the USA's copy is marked " + atUsa.getLabel().getRelease().getMarking());
    show("Japan received it marked " + atJapan.getLabel().getRelease().getMarking() + " (" + japan.millisAfter(sent)
        + " ms after Korea sent it), under " + atJapan.getLabel().getRelease().getAgreementId() + ", transfer "
        + atJapan.getLabel().getRelease().getTransferId());
    show("The USA received it marked " + atUsa.getLabel().getRelease().getMarking() + " (" + usa.millisAfter(sent) + " ms), under "
        + atUsa.getLabel().getRelease().getAgreementId());

    say(3, "Korea publishes a report at 군사I급비밀 (TOP SECRET), releasable to JPN and USA.");
    String topSecretId = korPublisher.exchange("KOR").publish(report(topic, "군사I급비밀", "KOR", "JPN", "USA")).getContent().getId();
    SubscribeResponse topAtUsa = usa.next(5);
    expect(topAtUsa != null && topAtUsa.getContent().getId().equals(topSecretId), "the USA did not receive the TOP SECRET report");
    show("The USA received it marked " + topAtUsa.getLabel().getRelease().getMarking() + ".");
    expect(japan.next(1) == null, "Japan's subscription received a TOP SECRET report");
    refused(() -> jpnReader.exchange("KOR").get(GetRequest.newBuilder().setProductId(topSecretId).build()), "LEVEL_NOT_COVERED",
        "Japan did not get it: the Korea–Japan GSOMIA covers 군사III급비밀 and 군사II급비밀 only");

    say(4, "Korea publishes a KOR-only report.");
    String korOnlyId = korPublisher.exchange("KOR").publish(report(topic, "군사II급비밀", "KOR")).getContent().getId();
    expect(japan.next(1) == null && usa.next(1) == null, "a KOR-only report reached a foreign subscription");
    refused(() -> usaReader.exchange("KOR").get(GetRequest.newBuilder().setProductId(korOnlyId).build()), "NOT_RELEASABLE_TO_NATION",
        "Nobody abroad gets it: the USA is refused");
    refused(() -> jpnReader.exchange("KOR").get(GetRequest.newBuilder().setProductId(korOnlyId).build()), "NOT_RELEASABLE_TO_NATION",
        "and so is Japan");

    say(5, "Japan tries to re-publish Korea's SECRET report under its own service, to pass it on (the third-party rule).");
    PublishRequest republish = PublishRequest.newBuilder().setLabel(atJapan.getLabel().toBuilder().clearRelease())
        .setContent(atJapan.getContent().toBuilder().clearId().clearPublishedAt().clearPublisher()).build();
    refused(() -> jpnPublisher.exchange("JPN").publish(republish), "",
        "Refused: only Korea may release Korea's information");
    say(6, "Korea amends its KOR-only report to be releasable to JPN and USA (the originator's consent).");
    korPublisher.exchange("KOR").amendReleasability(AmendReleasabilityRequest.newBuilder().setProductId(korOnlyId)
        .addAllReleasableTo(List.of("KOR", "JPN", "USA")).setJustification("demo: shared for the combined missile-warning picture").build());
    var amendedAtUsa = usaReader.exchange("KOR").get(GetRequest.newBuilder().setProductId(korOnlyId).build());
    var amendedAtJapan = jpnReader.exchange("KOR").get(GetRequest.newBuilder().setProductId(korOnlyId).build());
    show("Now the USA gets it marked " + amendedAtUsa.getLabel().getRelease().getMarking() + ", and Japan marked "
        + amendedAtJapan.getLabel().getRelease().getMarking() + ", from Korea, the originator.");
    for (Subscription subscription : List.of(japan, usa)) {
      // the amendment reaches open subscriptions too, as the product it now is
      SubscribeResponse amended = subscription.next(3);
      expect(amended == null || amended.getContent().getId().equals(korOnlyId), "a subscription received something other than the amended report");
    }

    say(7, "A federation administrator suspends the Korea–Japan GSOMIA while both subscriptions stay open.");
    admin("suspend", "demo: suspension drill");
    suspended = true;
    Thread.sleep(1_200);
    String duringId = korPublisher.exchange("KOR").publish(report(topic, "군사II급비밀", "KOR", "JPN", "USA")).getContent().getId();
    SubscribeResponse duringAtUsa = usa.next(5);
    expect(duringAtUsa != null && duringAtUsa.getContent().getId().equals(duringId), "the USA stopped receiving during the suspension");
    expect(japan.next(2) == null, "Japan's open subscription still received during the suspension");
    show("The USA still receives; Japan's open subscription received nothing.");
    refused(() -> jpnReader.exchange("KOR").get(GetRequest.newBuilder().setProductId(duringId).build()), "NO_AGREEMENT_IN_FORCE",
        "Japan asking directly is refused too");
    admin("resume", "demo: drill over");
    suspended = false;
    Thread.sleep(1_200);
    String afterId = korPublisher.exchange("KOR").publish(report(topic, "군사II급비밀", "KOR", "JPN", "USA")).getContent().getId();
    SubscribeResponse afterAtJapan = japan.next(5);
    expect(afterAtJapan != null && afterAtJapan.getContent().getId().equals(afterId), "Japan did not receive after the resumption");
    usa.next(5);
    show("Resumed: Japan's same subscription receives again (" + afterAtJapan.getLabel().getRelease().getMarking() + ").");

    say(8, "Korea's and Japan's auditors log in and read the Korea–Japan record.");
    AlliedClient korAuditor = person("kor-auditor");
    AlliedClient jpnAuditor = person("jpn-auditor");
    List<String> wanted = List.of(atJapan.getLabel().getRelease().getTransferId(), afterAtJapan.getLabel().getRelease().getTransferId());
    List<QueryRecordsResponse> korRecords = List.of();
    List<QueryRecordsResponse> jpnRecords = List.of();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      korRecords = records(korAuditor);
      jpnRecords = records(jpnAuditor);
      if (ids(korRecords).containsAll(wanted) && ids(jpnRecords).containsAll(wanted)) {
        break;
      }
      Thread.sleep(250);
    }
    expect(ids(korRecords).containsAll(wanted) && ids(jpnRecords).containsAll(wanted), "the auditors do not both see the demo's transfers");
    expect(korRecords.stream().map(QueryRecordsResponse::getHash).toList().equals(jpnRecords.stream().map(QueryRecordsResponse::getHash).toList()),
        "the two auditors were shown different chains");
    long refusals = korRecords.stream().filter(r -> r.getRedacted() || r.getEvent().getTransfer().getDecision().getNumber() == 2).count();
    show("Both see the same " + korRecords.size() + " records of JPN-KOR, with the same hashes: the transfers to Japan (each re-marked "
        + "for the auditor), " + refusals + " refusals, and the suspension and resumption.");
    VerifyChainResponse korVerified = korAuditor.audit().verifyChain(VerifyChainRequest.newBuilder().setRelationship("JPN-KOR").build());
    VerifyChainResponse jpnVerified = jpnAuditor.audit().verifyChain(VerifyChainRequest.newBuilder().setRelationship("JPN-KOR").build());
    expect(korVerified.getVerified() && jpnVerified.getVerified(), "the chain did not verify: " + korVerified.getDetail());
    show("The chain verifies for both: " + jpnVerified.getDetail() + ".");
    show("Open the console at " + state.path("console").asString() + " as jpn-auditor to see the report.");
  }

  private List<QueryRecordsResponse> records(AlliedClient auditor) {
    List<QueryRecordsResponse> records = new ArrayList<>();
    auditor.audit().exportRecords(QueryRecordsRequest.newBuilder().setRelationship("JPN-KOR").build()).forEachRemaining(records::add);
    return records;
  }

  private static List<String> ids(List<QueryRecordsResponse> records) {
    return records.stream().map(r -> r.getEvent().getEventId()).toList();
  }

  /** The state file's entry in {@code list} whose {@code key} is {@code name}, and its {@code field}. */
  private String fromState(String list, String key, String name, String field) {
    for (JsonNode entry : state.path(list)) {
      if (entry.path(key).asString("").equals(name)) {
        return entry.path(field).asString();
      }
    }
    throw new NotShown("the state file has no " + field + " for " + name
        + (name.equals("federation-automation") ? " (a federation started before it existed: `./allied up --fresh`)" : ""));
  }

  private AlliedClient system(String clientId) {
    String secret = fromState("systems", "clientId", clientId, "clientSecret");
    AlliedClient client = AlliedClient.connect(URI.create(state.path("gateway").asString()), new ClientCredentialsTokens(
        URI.create(state.path("keycloak").path("tokenEndpoint").asString()), clientId, secret, Clock.systemUTC()));
    open.add(client);
    return client;
  }

  private AlliedClient person(String username) {
    String password = fromState("people", "username", username, "password");
    String token = PersonLogin.login(URI.create(state.path("keycloak").path("issuer").asString()), "allied-console",
        URI.create(state.path("gateway").asString() + "/console/"), username, password);
    AlliedClient client = AlliedClient.connect(URI.create(state.path("gateway").asString()), TokenSource.of(token));
    open.add(client);
    return client;
  }

  private String adminToken() {
    String secret = fromState("systems", "clientId", "federation-automation", "clientSecret");
    return new ClientCredentialsTokens(URI.create(state.path("keycloak").path("tokenEndpoint").asString()), "federation-automation",
        secret, Clock.systemUTC()).token();
  }

  private String agreementStatus() throws Exception {
    HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create(state.path("gateway").asString() + "/admin/v1/agreements"))
            .header("Authorization", "Bearer " + adminToken()).GET().build(), HttpResponse.BodyHandlers.ofString());
    expect(response.statusCode() == 200, "the agreements could not be read: HTTP " + response.statusCode() + " " + response.body());
    for (JsonNode agreement : Json.MAPPER.readTree(response.body()).path("agreements")) {
      if (agreement.path("id").asString("").equals(AGREEMENT)) {
        return agreement.path("status").asString("");
      }
    }
    throw new NotShown("the federation has no agreement " + AGREEMENT);
  }

  private void admin(String change, String reason) throws Exception {
    String token = adminToken();
    HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create(state.path("gateway").asString() + "/admin/v1/agreements/" + AGREEMENT + "/" + change))
            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(Map.of("reason", reason)))).build(),
        HttpResponse.BodyHandlers.ofString());
    expect(response.statusCode() == 200, "the agreement could not be changed: HTTP " + response.statusCode() + " " + response.body());
    show(AGREEMENT + ": " + Json.MAPPER.readTree(response.body()).path("status").asString() + " (by federation-automation: " + reason + ")");
  }

  private void refused(Runnable call, String reason, String narration) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      expect(e.getStatus().getCode() == Status.Code.PERMISSION_DENIED, "expected PERMISSION_DENIED, got " + ExchangeCommands.describe(e.getStatus()));
      expect(e.getStatus().getDescription() != null && e.getStatus().getDescription().contains(reason), "expected " + reason + ", got "
          + e.getStatus().getDescription());
      show(narration + " (" + e.getStatus().getCode() + ": " + e.getStatus().getDescription() + ")");
      return;
    }
    throw new NotShown(narration + ": but it was not refused");
  }

  private static PublishRequest report(String topic, String marking, String... releasableTo) {
    Instant now = Instant.now();
    Timestamp at = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
    return PublishRequest.newBuilder()
        .setLabel(SecurityLabel.newBuilder().setPolicy("KOR").setMarking(marking).setOriginator("KOR").addAllReleasableTo(List.of(releasableTo))
            .addCommunities("MISSILE_WARNING"))
        .setContent(ProductContent.newBuilder().setTopic(topic).setObservedAt(at)
            .setMissileLaunch(MissileLaunchReport.newBuilder().setLaunchPoint(GeoPoint.newBuilder().setLatitude(39.66).setLongitude(124.7))
                .setLaunchedAt(at).setMissileType("SRBM").setCount(2).setApogeeKm(50).setRangeKm(350).setSensor("demo")))
        .build();
  }

  /** A live subscription read from a queue, so a step can wait for (or rule out) the next product. */
  private final class Subscription implements AutoCloseable {
    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    final Context.CancellableContext context = Context.current().withCancellation();
    volatile Instant lastAt;

    Subscription(AlliedClient client, String topic) {
      context.run(() -> client.exchangeAsync("KOR").subscribe(SubscribeRequest.newBuilder().setTopic(topic).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(SubscribeResponse value) {
              lastAt = Instant.now();
              received.add(value);
            }

            @Override
            public void onError(Throwable t) {
              received.add(t);
            }

            @Override
            public void onCompleted() {
            }
          }));
    }

    SubscribeResponse next(int seconds) throws InterruptedException {
      Object next = received.poll(seconds, TimeUnit.SECONDS);
      if (next instanceof Throwable t) {
        throw new NotShown("a subscription ended: " + (t instanceof StatusRuntimeException s ? ExchangeCommands.describe(s.getStatus()) : t));
      }
      return (SubscribeResponse) next;
    }

    long millisAfter(Instant sent) {
      return Math.max(0, java.time.Duration.between(sent, lastAt).toMillis());
    }

    @Override
    public void close() {
      context.cancel(null);
    }
  }

  private Subscription subscribe(AlliedClient client, String topic) {
    Subscription subscription = new Subscription(client, topic);
    open.add(subscription);
    return subscription;
  }

  private void say(int step, String text) {
    out.println();
    out.println(step + ". " + text);
    out.flush();
  }

  private void show(String text) {
    out.println("   " + text);
    out.flush();
  }

  private static void expect(boolean held, String otherwise) {
    if (!held) {
      throw new NotShown(otherwise);
    }
  }
}
