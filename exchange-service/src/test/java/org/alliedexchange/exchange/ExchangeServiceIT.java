package org.alliedexchange.exchange;

import static org.alliedexchange.exchange.Products.freeText;
import static org.alliedexchange.exchange.Products.label;
import static org.alliedexchange.exchange.Products.missileLaunch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.PublishResponse;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.exchange.feed.LiveFeed;
import org.alliedexchange.federationstate.AgreementBoard;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WithheldSummary;
import org.alliedexchange.policy.FederationConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** KOR's exchange service against a real PostgreSQL, a real Redis and a real JWKS. */
class ExchangeServiceIT {

  static final String LAUNCHES = "dprk.missile.launch";
  static LocalRedis redis;
  static LocalPostgres postgres;
  static TestTokens tokens;
  static ExchangeServiceApplication.Running kor;
  static ManagedChannel channel;
  static InMemorySpanExporter spans = InMemorySpanExporter.create();
  static Path data;

  @BeforeAll
  static void start() throws Exception {
    data = Files.createTempDirectory("allied-exchange-it-");
    redis = LocalRedis.start(data.resolve("redis"));
    tokens = new TestTokens();
    postgres = LocalPostgres.start(data.resolve("kor").resolve("postgres"));
    kor =
        ExchangeServiceApplication.start(
            properties("KOR", data.resolve("kor"), postgres.url()),
            SimpleSpanProcessor.create(spans));
    channel = TestPki.shared().asGateway(kor.port());
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    kor.close();
    postgres.close();
    tokens.close();
    redis.close();
  }

  static Map<String, Object> properties(String nation, Path dir, String databaseUrl) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("allied.exchange.nation", nation);
    properties.put("allied.exchange.data-dir", dir.toString());
    properties.put("allied.exchange.auth.issuer", tokens.issuer.toString());
    properties.put("allied.exchange.audit-redis", redis.url().toString());
    properties.put("allied.exchange.database.url", databaseUrl);
    return TestPki.shared().serve(properties, "exchange-" + nation.toLowerCase());
  }

  static ExchangeServiceGrpc.ExchangeServiceBlockingStub as(String token) {
    return ExchangeServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(TestTokens.bearer(token))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  static String korPublisher() {
    return tokens.token(
        "kor-jcs-publisher",
        "KOR",
        "TOP_SECRET",
        List.of("MISSILE_WARNING"),
        List.of("exchange-publish", "exchange-read"));
  }

  static String korReader() {
    return tokens.token(
        "kor-mnd-reader", "KOR", "SECRET", List.of("MISSILE_WARNING"), List.of("exchange-read"));
  }

  static String jpnReader() {
    return tokens.token(
        "jpn-mod-reader",
        "JPN",
        "TOP_SECRET",
        List.of("MISSILE_WARNING"),
        List.of("exchange-read"));
  }

  static String usaReader() {
    return tokens.token(
        "usa-dia-reader",
        "USA",
        "TOP_SECRET",
        List.of("MISSILE_WARNING"),
        List.of("exchange-read"));
  }

  // ---- publish and get -----------------------------------------------------------------------

  @Test
  void aPublishedProductIsSignedStoredAndReadBack() throws Exception {
    PublishResponse published =
        as(korPublisher())
            .publish(missileLaunch(LAUNCHES, label("KOR", "군사II급비밀", "KOR", "JPN", "USA")));

    assertThat(published.getContent().getId()).isNotBlank();
    assertThat(published.getContent().getPublisher()).isEqualTo("kor-jcs-publisher");
    assertThat(published.getLabel().hasCreatedAt()).isTrue();
    assertThat(published.getBinding().getSigner()).isEqualTo("KOR");
    NationalKey key = NationalKey.loadOrCreate(data.resolve("kor/signing-key.pem"));
    assertThat(
            new BindingVerifier(Map.of(key.keyId(), key.keyPair().getPublic()), 10)
                .verify(
                    "KOR",
                    published.getLabel().toByteArray(),
                    published.getContent().toByteArray(),
                    published.getBinding())
                .valid())
        .isTrue();

    GetResponse read =
        as(jpnReader())
            .get(GetRequest.newBuilder().setProductId(published.getContent().getId()).build());
    assertThat(read.getLabel()).isEqualTo(published.getLabel());
    assertThat(read.getContent()).isEqualTo(published.getContent());
    assertThat(read.getBinding()).isEqualTo(published.getBinding());
  }

  @Test
  void anAgreementSuspendedThroughTheFederationIsAppliedHereTooBehindTheGateway() throws Exception {
    String product =
        as(korPublisher())
            .publish(missileLaunch(LAUNCHES, label("KOR", "군사II급비밀", "KOR", "JPN", "USA")))
            .getContent()
            .getId();
    GetRequest get = GetRequest.newBuilder().setProductId(product).build();
    // what a federation administrator's suspension through a gateway writes
    try (AgreementBoard board =
        new AgreementBoard(
            FederationConfig.loadDefault(),
            redis.url(),
            AuditStream.DEFAULT_KEY,
            Clock.systemUTC())) {
      board.suspend("KOR-JPN-GSOMIA-2016", "federation-admin", "exchange-service test");
      try {
        // the service reads the board's statuses on its own schedule
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThatThrownBy(() -> as(jpnReader()).get(get))
                        .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, WITHHELD)));
        assertThat(as(usaReader()).get(get).getContent().getId()).isEqualTo(product);
      } finally {
        board.resume("KOR-JPN-GSOMIA-2016", "federation-admin", "exchange-service test done");
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreException(StatusRuntimeException.class)
          .untilAsserted(
              () -> assertThat(as(jpnReader()).get(get).getContent().getId()).isEqualTo(product));
    }
  }

  @Test
  void aReadReturnsOnlyWhatTheEngineReleasesToTheCaller() {
    String topSecret =
        as(korPublisher())
            .publish(missileLaunch(LAUNCHES, label("KOR", "군사I급비밀", "KOR", "JPN", "USA")))
            .getContent()
            .getId();
    String korOnly =
        as(korPublisher())
            .publish(missileLaunch(LAUNCHES, label("KOR", "군사II급비밀", "KOR")))
            .getContent()
            .getId();

    assertThat(
            as(usaReader())
                .get(GetRequest.newBuilder().setProductId(topSecret).build())
                .getContent()
                .getId())
        .isEqualTo(topSecret);
    assertThatThrownBy(
            () -> as(jpnReader()).get(GetRequest.newBuilder().setProductId(topSecret).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, WITHHELD));
    assertThatThrownBy(
            () -> as(usaReader()).get(GetRequest.newBuilder().setProductId(korOnly).build()))
        .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, WITHHELD));
    assertThatThrownBy(
            () -> as(korReader()).get(GetRequest.newBuilder().setProductId(topSecret).build()))
        .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, WITHHELD))
        // why is for the auditors: no reason, level or marking in what the caller is told
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getDescription())
                    .doesNotContain("INSUFFICIENT_CLEARANCE", "SECRET", "군사"));
  }

  /** What a caller is told of a product withheld from it, before the transfer id to quote. */
  private static final String WITHHELD = "is not released to you; quote transfer ";

  @Test
  void everyRefusalOfThisServiceIsOnTheAuditStreamUnderTheTransferIdItNames() throws Exception {
    String topSecret =
        as(korPublisher())
            .publish(missileLaunch(LAUNCHES, label("KOR", "군사I급비밀", "KOR", "JPN", "USA")))
            .getContent()
            .getId();
    StatusRuntimeException refusal =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> as(jpnReader()).get(GetRequest.newBuilder().setProductId(topSecret).build()));
    assertThat(refusal.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    String transferId =
        refusal.getStatus().getDescription().replaceAll(".*quote transfer ([0-9a-f-]{36}).*", "$1");
    // a refusal is audited without keeping the caller waiting for Redis
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> auditEvents().stream().anyMatch(e -> e.getEventId().equals(transferId)));
    assertThat(auditEvents())
        .filteredOn(e -> e.getEventId().equals(transferId))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getSource()).isEqualTo("exchange-service/KOR");
              assertThat(e.getTransfer().getDecision())
                  .isEqualTo(org.alliedexchange.api.audit.v1.Decision.DECISION_DENY);
              assertThat(e.getTransfer().getReasonsList())
                  .containsExactly(
                      org.alliedexchange.api.audit.v1.DenyReason.DENY_REASON_LEVEL_NOT_COVERED);
              assertThat(e.getTransfer().getProductId()).isEqualTo(topSecret);
              assertThat(e.getTransfer().getRecipientNation()).isEqualTo("JPN");
              assertThat(e.getTransfer().getMethod()).isEqualTo("ExchangeService/Get");
              assertThat(e.getTransfer().getLabel().getMarking()).isEqualTo("군사I급비밀");
            });
  }

  @Test
  void aRepeatedPublishWithTheSameIdempotencyKeyStoresOnce() {
    PublishRequest request =
        missileLaunch(LAUNCHES, label("KOR", "군사II급비밀", "KOR")).toBuilder()
            .setIdempotencyKey("launch-0421")
            .build();

    String first = as(korPublisher()).publish(request).getContent().getId();
    String second = as(korPublisher()).publish(request).getContent().getId();

    assertThat(second).isEqualTo(first);
  }

  // ---- refusals ------------------------------------------------------------------------------

  @Test
  void aSystemOfAnotherNationCannotPublishHere() {
    String jpnPublisher =
        tokens.token(
            "jpn-js-publisher",
            "JPN",
            "TOP_SECRET",
            List.of(),
            List.of("exchange-publish", "exchange-read"));

    assertThatThrownBy(
            () -> as(jpnPublisher).publish(missileLaunch(LAUNCHES, label("JPN", "極秘", "JPN"))))
        .satisfies(
            e ->
                assertStatus(
                    e,
                    Status.Code.PERMISSION_DENIED,
                    "this is KOR's exchange service; a system of JPN cannot publish"));
  }

  @Test
  void aProductOriginatedByAnotherNationCannotBePublishedHere() {
    assertThatThrownBy(
            () ->
                as(korPublisher())
                    .publish(missileLaunch(LAUNCHES, label("JPN", "極秘", "JPN", "KOR"))))
        .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "third-party rule"));
  }

  @Test
  void anInvalidLabelIsRefusedNamingTheRule() {
    assertThatThrownBy(
            () -> as(korPublisher()).publish(missileLaunch(LAUNCHES, label("KOR", "極秘", "KOR"))))
        .satisfies(
            e ->
                assertStatus(
                    e, Status.Code.INVALID_ARGUMENT, "label invalid: MARKING_NOT_OF_POLICY"));
    assertThatThrownBy(
            () ->
                as(korPublisher()).publish(missileLaunch(LAUNCHES, label("KOR", "군사II급비밀", "JPN"))))
        .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "ORIGINATOR_NOT_RELEASABLE"));
    PublishRequest withRelease =
        missileLaunch(
            LAUNCHES,
            label("KOR", "군사II급비밀", "KOR").toBuilder()
                .setRelease(Release.newBuilder().setMarking("極秘"))
                .build());
    assertThatThrownBy(() -> as(korPublisher()).publish(withRelease))
        .satisfies(
            e ->
                assertStatus(
                    e, Status.Code.INVALID_ARGUMENT, "label.release is set by the gateway"));
    PublishRequest badTopic = missileLaunch("DPRK Launches", label("KOR", "군사II급비밀", "KOR"));
    assertThatThrownBy(() -> as(korPublisher()).publish(badTopic))
        .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "content.topic"));
  }

  @Test
  void publishingNeedsThePublishRoleAndClearance() {
    assertThatThrownBy(
            () -> as(korReader()).publish(missileLaunch(LAUNCHES, label("KOR", "군사III급비밀", "KOR"))))
        .satisfies(
            e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "needs the exchange-publish role"));
    String lowPublisher =
        tokens.token("kor-unit", "KOR", "CONFIDENTIAL", List.of(), List.of("exchange-publish"));
    assertThatThrownBy(
            () -> as(lowPublisher).publish(missileLaunch(LAUNCHES, label("KOR", "군사II급비밀", "KOR"))))
        .satisfies(
            e ->
                assertStatus(
                    e, Status.Code.PERMISSION_DENIED, "above your clearance CONFIDENTIAL"));
    String noRead =
        tokens.token("kor-x", "KOR", "TOP_SECRET", List.of(), List.of("hotline-member"));
    assertThatThrownBy(
            () ->
                as(noRead)
                    .get(
                        GetRequest.newBuilder()
                            .setProductId(java.util.UUID.randomUUID().toString())
                            .build()))
        .satisfies(
            e ->
                assertStatus(
                    e, Status.Code.PERMISSION_DENIED, "reading needs the exchange-read role"));
  }

  @Test
  void everyBadTokenIsUnauthenticated() throws Exception {
    List<String> bad =
        List.of(
            "not.a.jwt",
            tokens.unsigned(),
            tokens.forged(),
            tokens.tweaked(
                c -> c.expirationTime(java.util.Date.from(Instant.now().minusSeconds(120)))),
            tokens.tweaked(c -> c.expirationTime(null)),
            tokens.tweaked(c -> c.audience("someone-else")),
            tokens.tweaked(c -> c.issuer("http://127.0.0.1:1/realms/evil")),
            tokens.tweaked(c -> c.claim("nation", null)));
    GetRequest request =
        GetRequest.newBuilder().setProductId(java.util.UUID.randomUUID().toString()).build();

    for (String token : bad) {
      assertThatThrownBy(() -> as(token).get(request))
          .as(token)
          .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "invalid token"));
    }
    assertThatThrownBy(() -> ExchangeServiceGrpc.newBlockingStub(channel).get(request))
        .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "no bearer token"));
  }

  @Test
  void aStoredRowChangedBehindTheServicesBackIsNeverServedAndTheRefusalIsAudited()
      throws Exception {
    String id =
        as(korPublisher())
            .publish(missileLaunch(LAUNCHES, label("KOR", "군사II급비밀", "KOR")))
            .getContent()
            .getId();
    byte[] widened = label("KOR", "군사II급비밀", "KOR", "JPN", "USA").toByteArray();
    try (Connection connection = kor.context().getBean(DataSource.class).getConnection();
        PreparedStatement update =
            connection.prepareStatement("UPDATE product SET label = ? WHERE id = ?::uuid")) {
      update.setBytes(1, widened);
      update.setString(2, id);
      assertThat(update.executeUpdate()).isEqualTo(1);
    }

    assertThatThrownBy(() -> as(usaReader()).get(GetRequest.newBuilder().setProductId(id).build()))
        .satisfies(e -> assertStatus(e, Status.Code.DATA_LOSS, "failed its binding check"));
    List<SearchResponse> found = new ArrayList<>();
    as(korPublisher())
        .search(SearchRequest.newBuilder().setTopic(LAUNCHES).setPageSize(5000).build())
        .forEachRemaining(found::add);
    assertThat(found).extracting(r -> r.getContent().getId()).doesNotContain(id);
    assertThat(auditEvents())
        .anySatisfy(
            e -> {
              assertThat(e.getBindingViolation().getProductId()).isEqualTo(id);
              assertThat(e.getBindingViolation().getDetail()).contains("signature does not verify");
              assertThat(e.getBindingViolation().getRequestedBy()).isEqualTo("usa-dia-reader");
            });
  }

  // ---- amend ---------------------------------------------------------------------------------

  @Test
  void theOriginatorWidensReleasabilityTheBindingIsReSignedAndTheChangeAudited() {
    PublishResponse published =
        as(korPublisher()).publish(missileLaunch(LAUNCHES, label("KOR", "군사II급비밀", "KOR", "JPN")));
    String id = published.getContent().getId();
    assertThatThrownBy(() -> as(usaReader()).get(GetRequest.newBuilder().setProductId(id).build()))
        .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, WITHHELD));

    var amended =
        as(korPublisher())
            .amendReleasability(
                AmendReleasabilityRequest.newBuilder()
                    .setProductId(id)
                    .addReleasableTo("KOR")
                    .addReleasableTo("JPN")
                    .addReleasableTo("USA")
                    .setJustification("shared with the US for BMD")
                    .build());

    assertThat(amended.getLabel().getReleasableToList()).containsExactly("KOR", "JPN", "USA");
    assertThat(amended.getBinding().getSignature())
        .isNotEqualTo(published.getBinding().getSignature());
    assertThat(
            as(usaReader())
                .get(GetRequest.newBuilder().setProductId(id).build())
                .getLabel()
                .getReleasableToList())
        .contains("USA");
    assertThat(auditEvents())
        .anySatisfy(
            e -> {
              assertThat(e.getReleasabilityAmended().getProductId()).isEqualTo(id);
              assertThat(e.getReleasabilityAmended().getPreviousReleasableToList())
                  .containsExactly("KOR", "JPN");
              assertThat(e.getReleasabilityAmended().getReleasableToList())
                  .containsExactly("KOR", "JPN", "USA");
              assertThat(e.getReleasabilityAmended().getAmendedBy()).isEqualTo("kor-jcs-publisher");
            });
  }

  @Test
  void onlyTheOriginatorsSystemsMayAmend() {
    String id =
        as(korPublisher())
            .publish(missileLaunch(LAUNCHES, label("KOR", "군사II급비밀", "KOR", "JPN")))
            .getContent()
            .getId();
    String jpnPublisher =
        tokens.token(
            "jpn-js-publisher",
            "JPN",
            "TOP_SECRET",
            List.of(),
            List.of("exchange-publish", "exchange-read"));
    AmendReleasabilityRequest widen =
        AmendReleasabilityRequest.newBuilder()
            .setProductId(id)
            .addReleasableTo("KOR")
            .addReleasableTo("JPN")
            .addReleasableTo("USA")
            .setJustification("pass it on")
            .build();

    assertThatThrownBy(() -> as(jpnPublisher).amendReleasability(widen))
        .satisfies(
            e ->
                assertStatus(
                    e,
                    Status.Code.PERMISSION_DENIED,
                    "a system of JPN cannot amend releasability"));
    assertThatThrownBy(
            () ->
                as(korPublisher())
                    .amendReleasability(
                        widen.toBuilder().clearReleasableTo().addReleasableTo("JPN").build()))
        .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "ORIGINATOR_NOT_RELEASABLE"));
  }

  // ---- search --------------------------------------------------------------------------------

  @Test
  void searchFiltersByTopicTimeAndLevelInBoundedPagesWithAResumeCursor() {
    String topic = "test.search." + System.nanoTime();
    Instant base = Instant.parse("2026-03-01T00:00:00Z");
    for (int i = 0; i < 12; i++) {
      String marking = i % 3 == 0 ? "군사I급비밀" : "군사II급비밀";
      as(korPublisher())
          .publish(
              missileLaunch(
                  topic, label("KOR", marking, "KOR", "JPN", "USA"), base.plusSeconds(60L * i)));
    }
    as(korPublisher())
        .publish(freeText("test.other", label("KOR", "군사II급비밀", "KOR", "JPN"), "elsewhere"));

    List<SearchResponse> firstPage = new ArrayList<>();
    Iterator<SearchResponse> page =
        as(usaReader()).search(SearchRequest.newBuilder().setTopic(topic).setPageSize(5).build());
    page.forEachRemaining(firstPage::add);
    assertThat(firstPage)
        .hasSize(5)
        .allSatisfy(r -> assertThat(r.getContent().getTopic()).isEqualTo(topic));

    List<SearchResponse> rest = new ArrayList<>();
    as(usaReader())
        .search(
            SearchRequest.newBuilder()
                .setTopic(topic)
                .setPageSize(100)
                .setCursor(firstPage.get(4).getCursor())
                .build())
        .forEachRemaining(rest::add);
    assertThat(rest).hasSize(7);
    assertThat(rest)
        .extracting(r -> r.getContent().getId())
        .doesNotContainAnyElementsOf(firstPage.stream().map(r -> r.getContent().getId()).toList());

    List<SearchResponse> jpnSees = new ArrayList<>();
    as(jpnReader())
        .search(SearchRequest.newBuilder().setTopic(topic).setPageSize(100).build())
        .forEachRemaining(jpnSees::add);
    assertThat(jpnSees)
        .hasSize(8)
        .allSatisfy(r -> assertThat(r.getLabel().getMarking()).isEqualTo("군사II급비밀"));

    List<SearchResponse> topSecretOnly = new ArrayList<>();
    as(usaReader())
        .search(
            SearchRequest.newBuilder()
                .setTopic(topic)
                .setMinLevel(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET)
                .build())
        .forEachRemaining(topSecretOnly::add);
    assertThat(topSecretOnly).hasSize(4);

    List<SearchResponse> window = new ArrayList<>();
    as(usaReader())
        .search(
            SearchRequest.newBuilder()
                .setTopic(topic)
                .setObservedFrom(ts(base.plusSeconds(120)))
                .setObservedTo(ts(base.plusSeconds(300)))
                .build())
        .forEachRemaining(window::add);
    assertThat(window).hasSize(3);

    assertThatThrownBy(
            () ->
                as(usaReader())
                    .search(SearchRequest.newBuilder().setCursor("f12").build())
                    .hasNext())
        .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "is not a search cursor"));
  }

  @Test
  void aSearchReadingPastManyWithheldRowsAuditsThemAsSummariesListingEveryRow() throws Exception {
    String topic = "test.withheld." + System.nanoTime();
    List<String> ids = new ArrayList<>();
    // more rows than one summary holds: the first summary is written while the search reads on
    int rows = WithheldSummary.MAX_ROWS + 200;
    for (int i = 0; i < rows; i++) {
      ids.add(
          as(korPublisher())
              .publish(missileLaunch(topic, label("KOR", "군사II급비밀", "KOR")))
              .getContent()
              .getId());
    }

    List<SearchResponse> found = new ArrayList<>();
    as(usaReader())
        .search(SearchRequest.newBuilder().setTopic(topic).setPageSize(100).build())
        .forEachRemaining(found::add);

    assertThat(found).isEmpty();
    // the summaries are written before the search ends: no waiting
    List<TransferRecord> summaries =
        auditEvents().stream()
            .map(AuditEvent::getTransfer)
            .filter(t -> t.getRecipientSystem().equals("usa-dia-reader"))
            .filter(
                t ->
                    ids.contains(t.getProductId())
                        || t.getWithheldProductIdsList().stream().anyMatch(ids::contains))
            .toList();
    assertThat(summaries)
        .as("two summaries listing every row once, not a record per row")
        .extracting(TransferRecord::getWithheldCount)
        .containsExactly(WithheldSummary.MAX_ROWS, 200);
    assertThat(summaries.get(0).getWithheldProductIdsList())
        .isEqualTo(ids.subList(0, WithheldSummary.MAX_ROWS));
    assertThat(summaries.get(1).getWithheldProductIdsList())
        .isEqualTo(ids.subList(WithheldSummary.MAX_ROWS, rows));
    assertThat(summaries.get(0).getWithheldDigest())
        .isEqualTo(digest(ids.subList(0, WithheldSummary.MAX_ROWS)));
    assertThat(summaries.get(1).getWithheldDigest())
        .isEqualTo(digest(ids.subList(WithheldSummary.MAX_ROWS, rows)));
    assertThat(summaries)
        .allSatisfy(
            summary -> {
              assertThat(summary.getDecision()).isEqualTo(Decision.DECISION_DENY);
              assertThat(summary.getReasonsList())
                  .containsExactly(DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION);
              assertThat(summary.getLabel().getOriginator()).isEqualTo("KOR");
              assertThat(summary.getMethod()).isEqualTo("ExchangeService/Search");
            });
  }

  /** The digest a summary carries over its rows' product ids. */
  private static String digest(List<String> ids) throws Exception {
    java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
    for (String id : ids) {
      byte[] bytes = id.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      sha256.update(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
      sha256.update(bytes);
    }
    return java.util.HexFormat.of().formatHex(sha256.digest());
  }

  // ---- subscribe -----------------------------------------------------------------------------

  @Test
  void aSubscriberReceivesLiveProductsAndAReconnectWithItsCursorMissesNothing() throws Exception {
    String topic = "test.live." + System.nanoTime();
    Collected first = subscribe(jpnReader(), topic, "");
    String a =
        as(korPublisher())
            .publish(missileLaunch(topic, label("KOR", "군사II급비밀", "KOR", "JPN")))
            .getContent()
            .getId();
    String withheld =
        as(korPublisher())
            .publish(missileLaunch(topic, label("KOR", "군사I급비밀", "KOR", "JPN")))
            .getContent()
            .getId();
    String b =
        as(korPublisher())
            .publish(missileLaunch(topic, label("KOR", "군사III급비밀", "KOR", "JPN")))
            .getContent()
            .getId();

    SubscribeResponse gotA = first.next();
    SubscribeResponse gotB = first.next();
    assertThat(List.of(gotA.getContent().getId(), gotB.getContent().getId())).containsExactly(a, b);
    first.cancel();

    // while disconnected
    String c =
        as(korPublisher())
            .publish(missileLaunch(topic, label("KOR", "군사II급비밀", "KOR", "JPN")))
            .getContent()
            .getId();
    String d =
        as(korPublisher())
            .publish(freeText(topic, label("KOR", "군사II급비밀", "KOR", "JPN"), "second"))
            .getContent()
            .getId();

    Collected again = subscribe(jpnReader(), topic, gotB.getCursor());
    String e =
        as(korPublisher())
            .publish(missileLaunch(topic, label("KOR", "군사II급비밀", "KOR", "JPN")))
            .getContent()
            .getId();
    assertThat(
            List.of(
                again.next().getContent().getId(),
                again.next().getContent().getId(),
                again.next().getContent().getId()))
        .containsExactly(c, d, e);
    assertThat(again.poll(300)).isNull();
    assertThat(List.of(a, b, c, d, e)).doesNotContain(withheld);
    again.cancel();
  }

  // ---- operations ----------------------------------------------------------------------------

  @Test
  void healthIsServingAndEveryCallHasAServerSpanInTheCallersTrace() {
    HealthCheckResponse health =
        HealthGrpc.newBlockingStub(channel)
            .check(
                HealthCheckRequest.newBuilder()
                    .setService(ExchangeServiceGrpc.SERVICE_NAME)
                    .build());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-" + traceId + "-00f067aa0ba902b7-01");
    as(korPublisher())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .publish(missileLaunch(LAUNCHES, label("KOR", "군사II급비밀", "KOR")));

    // the server span ends when the call closes, which may be just after the client has its answer
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () ->
                spans.getFinishedSpanItems().stream()
                    .anyMatch(span -> span.getTraceId().equals(traceId)));
    assertThat(spans.getFinishedSpanItems())
        .filteredOn(span -> span.getTraceId().equals(traceId))
        .singleElement()
        .satisfies(
            span -> {
              assertThat(span.getName()).isEqualTo("allied.exchange.v1.ExchangeService/Publish");
              assertThat(span.getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.SERVER);
              assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
              // no event per message: a subscription's span would carry one per product sent
              assertThat(span.getEvents()).isEmpty();
            });
  }

  // ---- helpers -------------------------------------------------------------------------------

  static void assertStatus(Throwable e, Status.Code code, String description) {
    assertThat(e).isInstanceOf(StatusRuntimeException.class);
    Status status = ((StatusRuntimeException) e).getStatus();
    assertThat(status.getCode()).as(status.toString()).isEqualTo(code);
    assertThat(status.getDescription()).contains(description);
  }

  static com.google.protobuf.Timestamp ts(Instant at) {
    return com.google.protobuf.Timestamp.newBuilder().setSeconds(at.getEpochSecond()).build();
  }

  @Test
  void fourHundredSubscribersAreServedByTheFeedsFewDeliveryThreads() throws Exception {
    // a thread per subscription being served at once would grow with the subscribers (a cached
    // pool made 276 for a thousand in the soak)
    String topic = "test.many." + System.nanoTime();
    List<Collected> subscribers = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      subscribers.add(subscribe(jpnReader(), topic, ""));
    }
    List<String> published = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      published.add(
          as(korPublisher())
              .publish(missileLaunch(topic, label("KOR", "군사II급비밀", "KOR", "JPN")))
              .getContent()
              .getId());
    }

    try {
      for (Collected subscriber : subscribers) {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < published.size(); i++) {
          got.add(subscriber.next().getContent().getId());
        }
        assertThat(got).isEqualTo(published);
      }
      long deliveryThreads =
          Thread.getAllStackTraces().keySet().stream()
              .filter(thread -> thread.getName().equals("feed-delivery"))
              .count();
      assertThat(deliveryThreads).isBetween(1L, (long) LiveFeed.DELIVERY_THREADS);
    } finally {
      subscribers.forEach(Collected::cancel);
    }
  }

  /** A live subscription's messages, as they arrive. */
  static final class Collected implements StreamObserver<SubscribeResponse> {
    final BlockingQueue<SubscribeResponse> received = new LinkedBlockingQueue<>();
    volatile Throwable error;
    io.grpc.Context.CancellableContext context;

    @Override
    public void onNext(SubscribeResponse value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}

    SubscribeResponse next() throws InterruptedException {
      SubscribeResponse value = received.poll(10, TimeUnit.SECONDS);
      assertThat(value).as("a product within 10 s (error: " + error + ")").isNotNull();
      return value;
    }

    SubscribeResponse poll(long millis) throws InterruptedException {
      return received.poll(millis, TimeUnit.MILLISECONDS);
    }

    void cancel() {
      context.cancel(null);
    }
  }

  static Collected subscribe(String token, String topic, String cursor) {
    return subscribe(kor, channel, token, topic, cursor);
  }

  /**
   * A subscription through {@code on} to {@code service}; one "from now" is returned once it is on
   * the service's live feed.
   */
  static Collected subscribe(
      ExchangeServiceApplication.Running service,
      ManagedChannel on,
      String token,
      String topic,
      String cursor) {
    LiveFeed feed = service.context().getBean(LiveFeed.class);
    int before = feed.subscriptions(topic);
    Collected collected = new Collected();
    collected.context = io.grpc.Context.current().withCancellation();
    collected.context.run(
        () ->
            ExchangeServiceGrpc.newStub(on)
                .withCallCredentials(TestTokens.bearer(token))
                .subscribe(
                    SubscribeRequest.newBuilder().setTopic(topic).setFromCursor(cursor).build(),
                    collected));
    if (cursor.isEmpty()) {
      // a subscription "from now" misses what is published before it reaches the live feed; one
      // from a cursor misses nothing
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> feed.subscriptions(topic) > before || collected.error != null);
      assertThat(collected.error).as("the subscription's error").isNull();
    }
    return collected;
  }

  static List<AuditEvent> auditEvents() {
    return AuditStreamReader.readAll(redis.url(), AuditWriter.exchange("KOR").streamKey());
  }
}
