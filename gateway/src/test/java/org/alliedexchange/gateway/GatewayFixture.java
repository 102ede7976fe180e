package org.alliedexchange.gateway;

import com.google.protobuf.Timestamp;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.NationalKey;

/**
 * A gateway in front of a scripted KOR exchange service, with a real Redis, a real JWKS, and real
 * binding keys; tests get channels to the gateway as any national system would.
 */
final class GatewayFixture implements AutoCloseable {

  static final Metadata.Key<String> NATION = AlliedMetadata.NATION;

  final Path dir;
  final LocalRedis redis;
  final TestTokens tokens;
  final ScriptedExchange kor;
  final NationalKey korKey;
  final BindingSigner korSigner;
  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final GatewayApplication.Running gateway;
  private final Map<String, Object> properties;

  GatewayFixture(Map<String, Object> extra) throws Exception {
    this(extra, LocalRedis::start);
  }

  /** As {@link #GatewayFixture(Map)}, with the Redis {@code startRedis} starts in the directory. */
  GatewayFixture(Map<String, Object> extra, Function<Path, LocalRedis> startRedis)
      throws Exception {
    dir = Files.createTempDirectory("allied-gateway-");
    redis = startRedis.apply(dir.resolve("redis"));
    tokens = new TestTokens();
    kor = new ScriptedExchange();
    korKey = NationalKey.loadOrCreate(dir.resolve("kor-key.pem"));
    Path korPublic = korKey.writePublicKeyBeside(dir.resolve("kor-key.pem"));
    Path jpnPublic =
        NationalKey.loadOrCreate(dir.resolve("jpn-key.pem"))
            .writePublicKeyBeside(dir.resolve("jpn-key.pem"));
    korSigner = new BindingSigner("KOR", korKey);
    properties = new HashMap<>();
    properties.put("server.port", "0");
    properties.put("allied.gateway.nations.KOR.addresses[0]", kor.address());
    properties.put("allied.gateway.nations.KOR.binding-keys[0]", korPublic.toString());
    properties.put("allied.gateway.nations.JPN.addresses[0]", kor.address());
    properties.put("allied.gateway.nations.JPN.binding-keys[0]", jpnPublic.toString());
    properties.put("allied.gateway.auth.issuer", tokens.issuer.toString());
    // as the gateway's own Redis user, so a command its ACL lacks fails these tests
    properties.put("allied.gateway.audit-redis", redis.url(LocalRedis.User.GATEWAY).toString());
    properties.putAll(extra);
    gateway = GatewayApplication.start(properties, SimpleSpanProcessor.create(spans));
  }

  /** Another gateway replica with the same configuration, sharing Redis with the first. */
  GatewayApplication.Running replica() {
    return GatewayApplication.start(properties, SimpleSpanProcessor.create(spans));
  }

  ManagedChannel channel(GatewayApplication.Running replica) {
    return NettyChannelBuilder.forAddress("127.0.0.1", replica.port()).usePlaintext().build();
  }

  /** A channel to the gateway as {@code system}, calling {@code nation}'s exchange service. */
  ExchangeServiceGrpc.ExchangeServiceBlockingStub stub(
      ManagedChannel channel, String nation, String token) {
    Metadata headers = new Metadata();
    headers.put(NATION, nation);
    CallCredentials bearer = TestTokens.bearer(token);
    return ExchangeServiceGrpc.newBlockingStub(
            ClientInterceptors.intercept(
                channel, MetadataUtils.newAttachHeadersInterceptor(headers), EACH_CALL_ENDS))
        .withCallCredentials(bearer);
  }

  /**
   * Gives each call without a deadline one of 60 s: a gateway that never answers fails the test
   * instead of hanging the build.
   */
  static final ClientInterceptor EACH_CALL_ENDS =
      new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(
            MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
          return next.newCall(
              method,
              options.getDeadline() == null
                  ? options.withDeadlineAfter(60, TimeUnit.SECONDS)
                  : options);
        }
      };

  ManagedChannel channel() {
    return NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
  }

  String reader(String nation, String clearance, List<String> communities) {
    return tokens.token(
        nation.toLowerCase() + "-reader", nation, clearance, communities, List.of("exchange-read"));
  }

  static SecurityLabel.Builder label(
      ClassificationLevel level, String marking, List<String> releasableTo) {
    Instant now = Instant.now();
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setLevel(level)
        .setMarking(marking)
        .setOriginator("KOR")
        .addAllReleasableTo(releasableTo)
        .addCommunities("MISSILE_WARNING")
        .setCreatedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()));
  }

  /**
   * A KOR product as KOR's exchange service would send it: label, content, a binding by KOR's key.
   */
  byte[] product(SecurityLabel label, String id) {
    ProductContent content =
        ProductContent.newBuilder()
            .setId(id)
            .setTopic("dprk.missile.launch")
            .setPublisher("kor-jcs-publisher")
            .build();
    return SearchResponse.newBuilder()
        .setLabel(label)
        .setContent(content)
        .setBinding(korSigner.sign(label.toByteArray(), content.toByteArray(), Instant.now()))
        .setCursor("s" + id)
        .build()
        .toByteArray();
  }

  /**
   * A KOR product as a Get answers it: a {@code GetResponse}, which has no cursor (a field its
   * response does not declare is withheld by the guard).
   */
  byte[] getResponse(SecurityLabel label, String id) {
    try {
      return org.alliedexchange.api.exchange.v1.GetResponse.parseFrom(
              SearchResponse.parseFrom(product(label, id)).toBuilder()
                  .clearCursor()
                  .build()
                  .toByteArray())
          .toByteArray();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static String newId() {
    return UUID.randomUUID().toString();
  }

  @Override
  public void close() throws Exception {
    gateway.close();
    kor.close();
    tokens.close();
    redis.close();
  }
}
