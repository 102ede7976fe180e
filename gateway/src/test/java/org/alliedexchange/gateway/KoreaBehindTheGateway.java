package org.alliedexchange.gateway;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.audit.AuditServiceApplication;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.FederationCertificates.Use;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.exchange.ExchangeServiceApplication;

/**
 * The gateway in front of a real KOR exchange service (its own PostgreSQL and signing key) and,
 * when asked, a real audit service (its own PostgreSQL), sharing one Redis; tokens from a test
 * JWKS; the backends hear only the gateway, over mutual TLS with certificates of the test's own CA.
 * Tests call the gateway as any national system would.
 */
final class KoreaBehindTheGateway implements AutoCloseable {

  final Path dir;
  final FederationCertificates pki;
  final LocalRedis redis;
  final TestTokens tokens;
  final LocalPostgres korDatabase;
  final ExchangeServiceApplication.Running kor;
  final LocalPostgres auditDatabase;
  final AuditServiceApplication.Running audit;
  final GatewayApplication.Running gateway;
  final ManagedChannel channel;

  /**
   * @param withAudit whether to run the audit service behind the gateway too
   */
  KoreaBehindTheGateway(boolean withAudit) throws Exception {
    dir = Files.createTempDirectory("allied-korea-gateway-");
    pki = FederationCertificates.openOrCreate(dir.resolve("pki"));
    redis = LocalRedis.start(dir.resolve("redis"));
    tokens = new TestTokens();
    korDatabase = LocalPostgres.start(dir.resolve("kor").resolve("postgres"));
    Map<String, Object> korProperties =
        ExchangeServiceApplication.localProperties(
            "KOR",
            dir.resolve("kor"),
            korDatabase.databaseUrl(),
            redis.url(LocalRedis.User.EXCHANGE, "KOR"),
            tokens.issuer,
            tokens.jwks());
    korProperties.putAll(korDatabase.serviceProperties("allied.exchange.database"));
    FederationCertificates.Issued korServer = pki.issue("exchange-kor", Use.SERVER);
    ExchangeServiceApplication.addTls(
        korProperties, korServer.certificate(), korServer.privateKey(), korServer.authority());
    kor = ExchangeServiceApplication.start(korProperties, null);
    Map<String, Object> properties =
        GatewayApplication.localProperties(
            0, tokens.issuer, tokens.jwks(), redis.url(LocalRedis.User.GATEWAY));
    FederationCertificates.Issued client = pki.issue("allied-gateway", Use.CLIENT);
    GatewayApplication.addBackendTls(
        properties, client.certificate(), client.privateKey(), client.authority());
    // the public half the exchange service wrote beside its signing key
    GatewayApplication.addNation(
        properties,
        "KOR",
        URI.create("https://127.0.0.1:" + kor.port()),
        dir.resolve("kor").resolve("signing-key.pub.pem"));
    if (withAudit) {
      auditDatabase = LocalPostgres.start(dir.resolve("audit").resolve("postgres"));
      Map<String, Object> auditProperties =
          AuditServiceApplication.localProperties(
              dir.resolve("audit"),
              auditDatabase.databaseUrl(),
              redis.url(LocalRedis.User.AUDIT),
              tokens.issuer,
              tokens.jwks());
      auditProperties.putAll(auditDatabase.serviceProperties("allied.audit.database"));
      FederationCertificates.Issued auditServer = pki.issue("audit", Use.SERVER);
      AuditServiceApplication.addTls(
          auditProperties,
          auditServer.certificate(),
          auditServer.privateKey(),
          auditServer.authority());
      audit = AuditServiceApplication.start(auditProperties);
      GatewayApplication.addAuditService(
          properties, URI.create("https://127.0.0.1:" + audit.port()), null);
    } else {
      auditDatabase = null;
      audit = null;
    }
    gateway = GatewayApplication.start(properties);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
  }

  /** KOR's exchange service through the gateway, as the holder of {@code token}. */
  ExchangeServiceGrpc.ExchangeServiceBlockingStub korea(String token) {
    Metadata headers = new Metadata();
    headers.put(GatewayFixture.NATION, "KOR");
    return ExchangeServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(TestTokens.bearer(token))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** KOR's publisher, cleared TOP SECRET, holding MISSILE_WARNING. */
  String publisher() {
    return tokens.token(
        "kor-jcs-publisher",
        "KOR",
        "TOP_SECRET",
        List.of("MISSILE_WARNING"),
        List.of("exchange-publish", "exchange-read"));
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow();
    gateway.close();
    if (audit != null) {
      audit.close();
      auditDatabase.close();
    }
    kor.close();
    korDatabase.close();
    tokens.close();
    redis.close();
  }
}
