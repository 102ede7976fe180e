package org.alliedexchange.gateway;

import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.federationstate.AgreementBoard;
import org.alliedexchange.policy.AgreementStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Open streams: agreement changes reach them on every replica, and an audit outage ends them. */
class GatewayStreamsIT {

  static final List<String> ALL = List.of("KOR", "JPN", "USA");
  GatewayFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture =
        new GatewayFixture(java.util.Map.of("allied.gateway.rate-limit.systems.usa-limited", "10"));
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  private void awaitSubscribers(int count) {
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> fixture.kor.subscribers.size() >= count);
    assertThat(fixture.kor.subscribers).hasSize(count);
  }

  /**
   * The agreement's status as a replica's board holds it now, which is what its guard decides by.
   */
  private static AgreementStatus statusOn(GatewayApplication.Running replica, String agreement) {
    return replica.context().getBean(AgreementBoard.class).agreements().stream()
        .filter(view -> view.agreement().id().equals(agreement))
        .findFirst()
        .orElseThrow()
        .status();
  }

  private static void awaitStatusOn(
      List<GatewayApplication.Running> replicas, String agreement, AgreementStatus status) {
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> replicas.stream().allMatch(replica -> statusOn(replica, agreement) == status));
  }

  private byte[] secretForAll(String id) {
    return fixture.product(
        GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(), id);
  }

  private HttpResponse<String> admin(
      GatewayApplication.Running replica, String agreement, String action) throws Exception {
    // a person logged in through the console, as Keycloak issues their token: azp names the console
    String token =
        fixture.tokens.personToken(
            "allied-console",
            "federation-admin",
            // an administrator of a nation party to the agreement the test suspends
            "KOR",
            "SECRET",
            List.of(),
            List.of("federation-admin"));
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .build()
        .send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + replica.port()
                            + "/admin/v1/agreements/"
                            + agreement
                            + "/"
                            + action))
                .header("authorization", "Bearer " + token)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"integration test\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anAgreementSuspendedWhileStreamsAreOpenTakesEffectOnThemOnEveryReplicaWithinASecond()
      throws Exception {
    try (GatewayApplication.Running second = fixture.replica()) {
      ManagedChannel first = fixture.channel();
      ManagedChannel other = fixture.channel(second);
      String japan = fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING"));
      LiveSubscription japanOnFirst = new LiveSubscription(first, japan);
      LiveSubscription japanOnSecond = new LiveSubscription(other, japan);
      LiveSubscription usaOnSecond =
          new LiveSubscription(other, fixture.reader("USA", "SECRET", List.of("MISSILE_WARNING")));
      awaitSubscribers(3);

      String before = GatewayFixture.newId();
      fixture.kor.push(secretForAll(before));
      assertThat(japanOnFirst.next(Duration.ofSeconds(5))).isEqualTo(before);
      assertThat(japanOnSecond.next(Duration.ofSeconds(5))).isEqualTo(before);
      assertThat(usaOnSecond.next(Duration.ofSeconds(5))).isEqualTo(before);

      HttpResponse<String> suspended = admin(fixture.gateway, "KOR-JPN-GSOMIA-2016", "suspend");
      assertThat(suspended.statusCode()).isEqualTo(200);
      assertThat(suspended.body()).contains("\"status\":\"SUSPENDED\"");
      awaitStatusOn(
          List.of(fixture.gateway, second), "KOR-JPN-GSOMIA-2016", AgreementStatus.SUSPENDED);

      String during = GatewayFixture.newId();
      fixture.kor.push(secretForAll(during));
      assertThat(usaOnSecond.next(Duration.ofSeconds(5)))
          .as("KOR-USA is untouched")
          .isEqualTo(during);
      assertThat(japanOnFirst.next(Duration.ofMillis(500)))
          .as("suspended on the replica that took the change")
          .isNull();
      assertThat(japanOnSecond.next(Duration.ofMillis(500)))
          .as("suspended on the other replica too")
          .isNull();
      assertThat(admin(second, "KOR-JPN-GSOMIA-2016", "suspend").statusCode())
          .as("already suspended")
          .isEqualTo(409);

      assertThat(admin(second, "KOR-JPN-GSOMIA-2016", "resume").statusCode()).isEqualTo(200);
      awaitStatusOn(
          List.of(fixture.gateway, second), "KOR-JPN-GSOMIA-2016", AgreementStatus.IN_FORCE);
      String after = GatewayFixture.newId();
      fixture.kor.push(secretForAll(after));
      assertThat(japanOnFirst.next(Duration.ofSeconds(5))).isEqualTo(after);
      assertThat(japanOnSecond.next(Duration.ofSeconds(5))).isEqualTo(after);

      List<AuditEvent> events =
          AuditStreamReader.readAll(fixture.redis.url(), AuditStream.DEFAULT_KEY);
      assertThat(events)
          .filteredOn(AuditEvent::hasAgreementStatusChanged)
          .hasSize(2)
          .allSatisfy(
              e ->
                  assertThat(e.getAgreementStatusChanged().getChangedBy())
                      .isEqualTo("federation-admin"));
      // each subscription's withheld row is in a summary, written once it has waited a while
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () ->
                  assertThat(
                          AuditStreamReader.readAll(fixture.redis.url(), AuditStream.DEFAULT_KEY))
                      .filteredOn(
                          e ->
                              (e.getTransfer().getProductId().equals(during)
                                      || e.getTransfer()
                                          .getWithheldProductIdsList()
                                          .contains(during))
                                  && e.getTransfer().getRecipientNation().equals("JPN"))
                      .hasSize(2)
                      .allSatisfy(
                          e ->
                              assertThat(e.getTransfer().getReasonsList())
                                  .contains(DenyReason.DENY_REASON_NO_AGREEMENT_IN_FORCE)));
      first.shutdownNow();
      other.shutdownNow();
    }
  }

  @Test
  void aSystemsRateLimitIsSharedByTheReplicas() throws Exception {
    fixture.kor.script(
        "Get",
        List.of(
            fixture.getResponse(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(),
                GatewayFixture.newId())));
    String limited =
        fixture.tokens.token(
            "usa-limited", "USA", "SECRET", List.of("MISSILE_WARNING"), List.of("exchange-read"));
    try (GatewayApplication.Running second = fixture.replica()) {
      ManagedChannel[] channels = {fixture.channel(), fixture.channel(second)};
      // connections open and code warm (as another system), so the counted calls fit in one second
      String other = fixture.reader("USA", "SECRET", List.of("MISSILE_WARNING"));
      for (int i = 0; i < 40; i++) {
        fixture
            .stub(channels[i % 2], "KOR", other)
            .get(
                org.alliedexchange.api.exchange.v1.GetRequest.newBuilder()
                    .setProductId("p")
                    .build());
      }
      // wait for the start of a second, so that the calls below fall within as few windows of 10 as
      // possible
      long nextSecond = (System.currentTimeMillis() / 1_000 + 1) * 1_000;
      await()
          .atMost(Duration.ofSeconds(2))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(2))
          .until(() -> System.currentTimeMillis() >= nextSecond + 20);
      java.util.Map<Long, int[]> byWindow =
          new java.util.TreeMap<>(); // second -> {attempts, allowed}
      for (int i = 0; i < 30; i++) {
        int[] counts =
            byWindow.computeIfAbsent(System.currentTimeMillis() / 1_000, w -> new int[2]);
        counts[0]++;
        try {
          fixture
              .stub(channels[i % 2], "KOR", limited)
              .get(
                  org.alliedexchange.api.exchange.v1.GetRequest.newBuilder()
                      .setProductId("p")
                      .build());
          counts[1]++;
        } catch (io.grpc.StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        }
      }
      // unshared, each replica would allow 10 a second: 20 in a window of 30 attempts
      assertThat(byWindow.values())
          .as("calls attempted and allowed per second")
          .allSatisfy(c -> assertThat(c[1]).isLessThanOrEqualTo(10));
      assertThat(byWindow.values())
          .anySatisfy(
              c -> {
                assertThat(c[0]).isGreaterThan(10);
                assertThat(c[1]).isEqualTo(10);
              });
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
      }
    }
  }

  /** A JPN reader's token that expires {@code in} from now. */
  private String expiringReader(Duration in) {
    return fixture.tokens.sign(
        fixture
            .tokens
            .claims(
                "jpn-reader", "JPN", "SECRET", List.of("MISSILE_WARNING"), List.of("exchange-read"))
            .expirationTime(java.util.Date.from(java.time.Instant.now().plus(in)))
            .build());
  }

  @Test
  void aStreamWhoseTokenExpiresEndsUnauthenticatedAtItsExpiryAndReleasesNothingAfter()
      throws Exception {
    ManagedChannel channel = fixture.channel();
    java.time.Instant expiry = java.time.Instant.now().plusSeconds(3);
    LiveSubscription japan = new LiveSubscription(channel, expiringReader(Duration.ofSeconds(3)));
    awaitSubscribers(1);
    String before = GatewayFixture.newId();
    fixture.kor.push(secretForAll(before));
    assertThat(japan.next(Duration.ofSeconds(2))).isEqualTo(before);

    Status ended = japan.ended.get(6, TimeUnit.SECONDS);
    java.time.Instant endedAt = java.time.Instant.now();

    assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(ended.getDescription())
        .isEqualTo("token expired; resume with a fresh token from your cursor");
    // at exp (whole seconds in the token), not before it
    assertThat(endedAt).isAfterOrEqualTo(expiry.minusSeconds(1));
    assertThat(fixture.kor.subscribers.get(0))
        .satisfies(
            subscriber ->
                await()
                    .atMost(Duration.ofSeconds(2))
                    .until(
                        () ->
                            ((io.grpc.stub.ServerCallStreamObserver<byte[]>) subscriber)
                                .isCancelled()));
    channel.shutdownNow();
  }

  @Test
  void aStreamThatHasReceivedNothingYetIsAlsoEndedAtItsTokensExpiry() throws Exception {
    ManagedChannel channel = fixture.channel();
    LiveSubscription japan = new LiveSubscription(channel, expiringReader(Duration.ofSeconds(2)));
    awaitSubscribers(1);

    Status ended = japan.ended.get(5, TimeUnit.SECONDS);

    assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(ended.getDescription())
        .isEqualTo("token expired; resume with a fresh token from your cursor");
    assertThat(japan.received).isEmpty();
    channel.shutdownNow();
  }

  @Test
  void redisStoppedMidStreamEndsTheCallUnavailableAndNothingIsReleasedUnaudited() throws Exception {
    ManagedChannel channel = fixture.channel();
    LiveSubscription japan =
        new LiveSubscription(channel, fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING")));
    awaitSubscribers(1);
    String audited = GatewayFixture.newId();
    fixture.kor.push(secretForAll(audited));
    SubscribeResponse first = japan.received.poll(5, TimeUnit.SECONDS);
    assertThat(first).isNotNull();

    int port = fixture.redis.port();
    fixture.redis.stop();
    String unaudited = GatewayFixture.newId();
    fixture.kor.push(secretForAll(unaudited));
    fixture.kor.push(secretForAll(GatewayFixture.newId()));

    Status ended = japan.ended.get(10, TimeUnit.SECONDS);
    assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(ended.getDescription()).contains("audit");
    assertThat(japan.received).isEmpty();

    try (LocalRedis restarted = LocalRedis.start(fixture.redis.dataDir(), port)) {
      List<AuditEvent> events = AuditStreamReader.readAll(restarted.url(), AuditStream.DEFAULT_KEY);
      assertThat(events)
          .extracting(e -> e.getTransfer().getTransferId())
          .contains(first.getLabel().getRelease().getTransferId());
      assertThat(events).noneMatch(e -> e.getTransfer().getProductId().equals(unaudited));
    }
    channel.shutdownNow();
  }
}
