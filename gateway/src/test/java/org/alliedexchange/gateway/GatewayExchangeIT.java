package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.AlliedMetadata;
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

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-gateway-exchange-");
    redis = LocalRedis.start(dir.resolve("redis"));
    tokens = new TestTokens();
    korDatabase = LocalPostgres.start(dir.resolve("kor").resolve("postgres"));
    kor =
        ExchangeServiceApplication.start(
            ExchangeServiceApplication.localProperties(
                "KOR",
                dir.resolve("kor"),
                korDatabase.url(),
                redis.url(),
                tokens.issuer,
                tokens.jwks()),
            null);
    Map<String, Object> properties = new HashMap<>();
    properties.put("server.port", "0");
    properties.put("allied.gateway.nations.KOR.addresses[0]", "http://127.0.0.1:" + kor.port());
    // the public half the exchange service wrote beside its signing key
    properties.put(
        "allied.gateway.nations.KOR.binding-keys[0]",
        dir.resolve("kor").resolve("signing-key.pub.pem").toString());
    properties.put("allied.gateway.auth.issuer", tokens.issuer.toString());
    properties.put("allied.gateway.audit-redis", redis.url().toString());
    gateway = GatewayApplication.start(properties);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    gateway.close();
    kor.close();
    korDatabase.close();
    tokens.close();
    redis.close();
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
              assertThat(e.getStatus().getDescription()).contains("LEVEL_NOT_COVERED");
            });
  }

  @Test
  void aSearchCountsWhatTheCallerDidNotGet() {
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
    // the KOR-only product: withheld by the exchange service's own check, counted by the gateway's
    // trailer
    assertThat(trailers.get().get(AlliedMetadata.WITHHELD)).isEqualTo("1");
    assertThat(trailers.get().get(AlliedMetadata.NEXT_CURSOR)).isNull();
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
