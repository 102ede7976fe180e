package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GeoPoint;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.MissileLaunchReport;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.PublishResponse;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.exchange.ExchangeServiceApplication;
import org.alliedexchange.exchange.feed.LiveFeed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway in front of a real KOR exchange service (embedded PostgreSQL, its own signing key),
 * as the federation runs them: what KOR publishes through the gateway reaches Japan and the USA
 * through the gateway, each in its own marking, with the binding verified by KOR's public key.
 */
class GatewayExchangeIT {

  static Path dir;
  static LocalRedis redis;
  static LocalPostgres korDatabase;
  static TestTokens tokens;
  static ExchangeServiceApplication.Running kor;
  static GatewayApplication.Running gateway;
  static ManagedChannel channel;

  static KoreaBehindTheGateway federation;

  @BeforeAll
  static void start() throws Exception {
    federation = new KoreaBehindTheGateway(false);
    dir = federation.dir;
    redis = federation.redis;
    korDatabase = federation.korDatabase;
    tokens = federation.tokens;
    kor = federation.kor;
    gateway = federation.gateway;
    channel = federation.channel;
  }

  @AfterAll
  static void stop() throws Exception {
    federation.close();
  }

  private static ExchangeServiceGrpc.ExchangeServiceBlockingStub as(String token) {
    Metadata headers = new Metadata();
    headers.put(GatewayFixture.NATION, "KOR");
    return ExchangeServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(TestTokens.bearer(token))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static String publisher() {
    return tokens.token(
        "kor-jcs-publisher",
        "KOR",
        "TOP_SECRET",
        List.of("MISSILE_WARNING"),
        List.of("exchange-publish", "exchange-read"));
  }

  private static PublishRequest launch(String marking, String... releasableTo) {
    Instant now = Instant.now();
    return PublishRequest.newBuilder()
        .setLabel(
            SecurityLabel.newBuilder()
                .setPolicy("KOR")
                .setMarking(marking)
                .setOriginator("KOR")
                .addAllReleasableTo(List.of(releasableTo)))
        .setContent(
            ProductContent.newBuilder()
                .setTopic("dprk.missile.launch")
                .setObservedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setMissileLaunch(
                    MissileLaunchReport.newBuilder()
                        .setLaunchPoint(GeoPoint.newBuilder().setLatitude(39.0).setLongitude(125.7))
                        .setMissileType("SRBM")
                        .setCount(1)))
        .build();
  }

  @Test
  void whatKoreaPublishesReachesJapanAndTheUsaInTheirOwnMarkings() {
    PublishResponse published = as(publisher()).publish(launch("군사II급비밀", "KOR", "JPN", "USA"));
    String id = published.getContent().getId();
    assertThat(published.getLabel().getRelease().getRecipientNation()).isEqualTo("KOR");

    var japan =
        as(tokens.token("jpn-mod-reader", "JPN", "SECRET", List.of(), List.of("exchange-read")))
            .get(GetRequest.newBuilder().setProductId(id).build());
    assertThat(japan.getLabel().getRelease().getMarking()).isEqualTo("極秘");
    assertThat(japan.getLabel().getRelease().getAgreementId()).isEqualTo("KOR-JPN-GSOMIA-2016");
    assertThat(japan.getBinding().getSigner()).isEqualTo("KOR");

    var usa =
        as(tokens.token("usa-dia-reader", "USA", "TOP_SECRET", List.of(), List.of("exchange-read")))
            .get(GetRequest.newBuilder().setProductId(id).build());
    assertThat(usa.getLabel().getRelease().getMarking()).isEqualTo("SECRET");
    assertThat(usa.getLabel().getRelease().getTransferId())
        .isNotEqualTo(japan.getLabel().getRelease().getTransferId());
  }

  @Test
  void aProductAboveTheKoreaJapanAgreementReachesTheUsaButNotJapan() {
    String id = as(publisher()).publish(launch("군사I급비밀", "KOR", "JPN", "USA")).getContent().getId();

    assertThat(
            as(tokens.token(
                    "usa-dia-reader", "USA", "TOP_SECRET", List.of(), List.of("exchange-read")))
                .get(GetRequest.newBuilder().setProductId(id).build())
                .getLabel()
                .getRelease()
                .getMarking())
        .isEqualTo("TOP SECRET");
    assertThatThrownBy(
            () ->
                as(tokens.token(
                        "jpn-mod-reader", "JPN", "TOP_SECRET", List.of(), List.of("exchange-read")))
                    .get(GetRequest.newBuilder().setProductId(id).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              // withheld, with the transfer to quote; why is for the auditors
              assertThat(e.getStatus().getDescription())
                  .contains(id, "quote transfer ")
                  .doesNotContain("LEVEL_NOT_COVERED");
            });
  }

  @Test
  void aSearchSaysNothingOfWhatTheCallerDidNotGet() {
    String topic = "kor.gateway." + System.nanoTime();
    var stub = as(publisher());
    stub.publish(
        launch("군사II급비밀", "KOR", "JPN", "USA").toBuilder()
            .setContent(launch("군사II급비밀").getContent().toBuilder().setTopic(topic))
            .build());
    stub.publish(
        launch("군사II급비밀", "KOR").toBuilder()
            .setContent(launch("군사II급비밀").getContent().toBuilder().setTopic(topic))
            .build());

    AtomicReference<Metadata> trailers = new AtomicReference<>();
    List<SearchResponse> got = new ArrayList<>();
    as(tokens.token("jpn-mod-reader", "JPN", "SECRET", List.of(), List.of("exchange-read")))
        .withInterceptors(
            MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
        .search(SearchRequest.newBuilder().setTopic(topic).build())
        .forEachRemaining(got::add);

    assertThat(got).hasSize(1);
    assertThat(got.get(0).getLabel().getRelease().getMarking()).isEqualTo("極秘");
    // the KOR-only product: withheld by the exchange service's own check, and neither counted nor
    // named
    assertTellsNothingOfWithheld(trailers.get());
    assertThat(trailers.get().get(AlliedMetadata.NEXT_CURSOR)).isNull();
  }

  /** One page of a search as the caller sees it: the products and the trailers. */
  private record Page(List<SearchResponse> products, Metadata trailers) {
    String nextCursor() {
      return trailers.get(AlliedMetadata.NEXT_CURSOR);
    }
  }

  private static Page search(String token, SearchRequest request) {
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    List<SearchResponse> got = new ArrayList<>();
    as(token)
        .withInterceptors(
            MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
        .search(request)
        .forEachRemaining(got::add);
    return new Page(got, trailers.get());
  }

  /** What a foreign reader must never learn of a product withheld from it. */
  private static final List<String> CONTROLS =
      List.of(
          "NOT_RELEASABLE",
          "LEVEL",
          "CLEARANCE",
          "NEED_TO_KNOW",
          "NOFORN",
          "SECRET",
          "군사",
          "EXCHANGE_SERVICE",
          "MISSILE_WARNING");

  private static void assertTellsNothingOfWithheld(Metadata trailers) {
    assertThat(trailers.keys())
        .doesNotContain(AlliedMetadata.WITHHELD_NAME, AlliedMetadata.WITHHELD_REASONS_NAME);
    for (String key : trailers.keys()) {
      if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        String value =
            String.valueOf(trailers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
        for (String control : CONTROLS) {
          assertThat(value).as(key).doesNotContain(control);
        }
      }
    }
  }

  @Test
  void aForeignReaderPagesThroughASearchAsIfWithheldProductsDidNotExist() throws Exception {
    String topic = "kor.withheld." + System.nanoTime();
    var stub = as(publisher());
    java.util.function.BiFunction<PublishRequest, String, String> publishOn =
        (request, onTopic) ->
            stub.publish(
                    request.toBuilder()
                        .setContent(request.getContent().toBuilder().setTopic(onTopic))
                        .build())
                .getContent()
                .getId();
    String first = publishOn.apply(launch("군사II급비밀", "KOR", "JPN", "USA"), topic);
    String korOnly = publishOn.apply(launch("군사II급비밀", "KOR"), topic);
    // more KOR-only rows than one page would ever look through before giving up
    try (Connection db = DriverManager.getConnection(korDatabase.url());
        PreparedStatement copy =
            db.prepareStatement(
                "INSERT INTO product (id, topic, level, observed_at, published_at, publisher,"
                    + " label, content, binding) SELECT gen_random_uuid(), topic, level,"
                    + " observed_at, published_at, publisher, label, content, binding"
                    + " FROM product, generate_series(1, 1100) WHERE id = ?")) {
      copy.setObject(1, java.util.UUID.fromString(korOnly));
      assertThat(copy.executeUpdate()).isEqualTo(1100);
    }
    String topSecret = publishOn.apply(launch("군사I급비밀", "KOR", "JPN", "USA"), topic);
    String second = publishOn.apply(launch("군사II급비밀", "KOR", "JPN", "USA"), topic);
    PublishRequest needToKnow = launch("군사II급비밀", "KOR", "JPN", "USA");
    publishOn.apply(
        needToKnow.toBuilder()
            .setLabel(needToKnow.getLabel().toBuilder().addCommunities("MISSILE_WARNING"))
            .build(),
        topic);
    String japan =
        tokens.token("jpn-mod-reader", "JPN", "SECRET", List.of(), List.of("exchange-read"));

    // page by page, one product a page: the same pages as a topic holding only the two products
    List<String> seen = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String cursor = "";
    for (int page = 0; page < 5; page++) {
      Page got =
          search(
              japan,
              SearchRequest.newBuilder().setTopic(topic).setPageSize(1).setCursor(cursor).build());
      assertTellsNothingOfWithheld(got.trailers());
      got.products().forEach(product -> seen.add(product.getContent().getId()));
      sizes.add(got.products().size());
      if (got.nextCursor() == null) {
        break;
      }
      // the cursor is the last product's own: it never points past a withheld row
      assertThat(got.products()).isNotEmpty();
      assertThat(got.nextCursor())
          .isEqualTo(got.products().get(got.products().size() - 1).getCursor());
      cursor = got.nextCursor();
    }
    assertThat(seen).containsExactly(first, second);
    assertThat(sizes).containsExactly(1, 1, 0);

    // one page for everything: both products, no cursor, nothing said of the rest
    Page whole = search(japan, SearchRequest.newBuilder().setTopic(topic).build());
    assertThat(whole.products())
        .extracting(product -> product.getContent().getId())
        .containsExactly(first, second);
    assertThat(whole.nextCursor()).isNull();
    assertTellsNothingOfWithheld(whole.trailers());

    // filters that match only withheld products answer like filters that match nothing
    for (SearchRequest probe :
        List.of(
            SearchRequest.newBuilder()
                .setTopic(topic)
                .setMinLevel(
                    org.alliedexchange.api.label.v1.ClassificationLevel
                        .CLASSIFICATION_LEVEL_TOP_SECRET)
                .build(),
            SearchRequest.newBuilder()
                .setTopic(topic)
                .setCursor(whole.products().get(whole.products().size() - 1).getCursor())
                .build())) {
      Page nothing = search(japan, probe);
      assertThat(nothing.products()).isEmpty();
      assertThat(nothing.nextCursor()).isNull();
      assertTellsNothingOfWithheld(nothing.trailers());
    }

    // a Get of a withheld product: refused, with the transfer id to quote, and nothing of why
    StatusRuntimeException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> as(japan).get(GetRequest.newBuilder().setProductId(topSecret).build()));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    String description = refused.getStatus().getDescription();
    for (String control : CONTROLS) {
      assertThat(description).doesNotContain(control);
    }
    java.util.regex.Matcher quoted =
        java.util.regex.Pattern.compile("transfer ([0-9a-f-]{36})").matcher(description);
    assertThat(quoted.find()).as(description).isTrue();
    // the reasons stay in the record the auditors read
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        AuditStreamReader.readAll(
                                redis.url(),
                                List.of(AuditWriter.gateway(), AuditWriter.exchange("KOR")))
                            .stream()
                            .filter(e -> e.getTransfer().getTransferId().equals(quoted.group(1))))
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getTransfer().getProductId()).isEqualTo(topSecret);
                          assertThat(e.getTransfer().getRecipientSystem())
                              .isEqualTo("jpn-mod-reader");
                          assertThat(e.getTransfer().getReasonsList())
                              .contains(DenyReason.DENY_REASON_LEVEL_NOT_COVERED);
                        }));
  }

  @Test
  void aLiveSubscriptionThroughTheGatewayReceivesWhatIsPublished() throws Exception {
    String topic = "kor.live." + System.nanoTime();
    var subscription =
        as(tokens.token("jpn-mod-reader", "JPN", "SECRET", List.of(), List.of("exchange-read")))
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .subscribe(SubscribeRequest.newBuilder().setTopic(topic).build());
    // the call reaches the exchange service through the gateway: wait until KOR's live feed holds
    // it
    LiveFeed feed = kor.context().getBean(LiveFeed.class);
    await().atMost(Duration.ofSeconds(10)).until(() -> feed.subscriptions(topic) == 1);
    String id =
        as(publisher())
            .publish(
                launch("군사II급비밀", "KOR", "JPN").toBuilder()
                    .setContent(launch("군사II급비밀").getContent().toBuilder().setTopic(topic))
                    .build())
            .getContent()
            .getId();

    var received = subscription.next();
    assertThat(received.getContent().getId()).isEqualTo(id);
    assertThat(received.getLabel().getRelease().getMarking()).isEqualTo("極秘");
  }
}
