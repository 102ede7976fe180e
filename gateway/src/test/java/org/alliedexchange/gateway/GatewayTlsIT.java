package org.alliedexchange.gateway;

import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.devservers.FederationCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS on both sides: national systems reach the gateway over HTTP/2 with TLS, and the gateway
 * reaches an exchange service at an https address, trusting only the certificate it is configured
 * with.
 */
class GatewayTlsIT {

  static GatewayFixture plain;
  static ScriptedExchange tlsExchange;
  static GatewayApplication.Running gateway;
  static Path certificate;

  @BeforeAll
  static void start() throws Exception {
    plain = new GatewayFixture(Map.of());
    Path dir = Files.createTempDirectory("allied-gateway-tls-");
    TestCertificates.Issued issued = TestCertificates.selfSigned(dir, "ip:127.0.0.1,dns:localhost");
    certificate = issued.certificate();
    String password = issued.password();
    Path keystore = issued.keystore();
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, password.toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, password.toCharArray());
    tlsExchange =
        new ScriptedExchange(GrpcSslContexts.configure(SslContextBuilder.forServer(keys)).build());

    Map<String, Object> properties = new HashMap<>();
    properties.put("server.port", "0");
    issued.serveWith(properties);
    properties.put("allied.gateway.nations.KOR.addresses[0]", tlsExchange.address());
    properties.put(
        "allied.gateway.nations.KOR.binding-keys[0]",
        plain.dir.resolve("kor-key.pub.pem").toString());
    // the gateway's client certificate (this scripted backend asks for none), trusting the
    // backend's own certificate
    FederationCertificates.Issued client =
        FederationCertificates.openOrCreate(dir.resolve("pki"))
            .issue("allied-gateway", FederationCertificates.Use.CLIENT);
    GatewayApplication.addBackendTls(
        properties, client.certificate(), client.privateKey(), certificate);
    properties.put("allied.gateway.auth.issuer", plain.tokens.issuer.toString());
    properties.put("allied.gateway.audit-redis", plain.redis.url().toString());
    gateway = GatewayApplication.start(properties);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    tlsExchange.close();
    plain.close();
  }

  private static ExchangeServiceGrpc.ExchangeServiceBlockingStub stub(ManagedChannel channel) {
    Metadata headers = new Metadata();
    headers.put(GatewayFixture.NATION, "KOR");
    return ExchangeServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(
            TestTokens.bearer(plain.reader("JPN", "SECRET", List.of("MISSILE_WARNING"))))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Test
  void aCallOverTlsIsGuardedAndProxiedOverTls() throws Exception {
    String id = GatewayFixture.newId();
    tlsExchange.script(
        "Get",
        List.of(
            plain.getResponse(
                GatewayFixture.label(
                        CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", List.of("KOR", "JPN", "USA"))
                    .build(),
                id)));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.port())
            .sslContext(GrpcSslContexts.forClient().trustManager(certificate.toFile()).build())
            .build();
    try {
      GetResponse response = stub(channel).get(GetRequest.newBuilder().setProductId(id).build());
      assertThat(response.getContent().getId()).isEqualTo(id);
      assertThat(response.getLabel().getRelease().getMarking()).isEqualTo("極秘");
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aGatewayThatWouldTrustAnyCertificateDoesNotStart() {
    Map<String, Object> properties = new HashMap<>();
    properties.put("server.port", "0");
    properties.put("allied.gateway.nations.KOR.addresses[0]", tlsExchange.address());
    properties.put(
        "allied.gateway.nations.KOR.binding-keys[0]",
        plain.dir.resolve("kor-key.pub.pem").toString());
    properties.put(
        "spring.cloud.gateway.server.webflux.httpclient.ssl.use-insecure-trust-manager", "true");
    properties.put("allied.gateway.auth.issuer", plain.tokens.issuer.toString());
    properties.put("allied.gateway.audit-redis", plain.redis.url().toString());
    assertThatThrownBy(() -> GatewayApplication.start(properties))
        .hasStackTraceContaining("use-insecure-trust-manager would accept any certificate");
  }

  @Test
  void aGatewayWithHttpsBackendsButNoClientCertificateDoesNotStartNamingTheKey() {
    Map<String, Object> properties = new HashMap<>();
    properties.put("server.port", "0");
    properties.put("allied.gateway.nations.KOR.addresses[0]", tlsExchange.address());
    properties.put(
        "allied.gateway.nations.KOR.binding-keys[0]",
        plain.dir.resolve("kor-key.pub.pem").toString());
    properties.put("allied.gateway.auth.issuer", plain.tokens.issuer.toString());
    properties.put("allied.gateway.audit-redis", plain.redis.url().toString());
    assertThatThrownBy(() -> GatewayApplication.start(properties))
        .hasStackTraceContaining(
            "allied.gateway.backend-tls.certificate is required when the backends' addresses are https");
  }

  @Test
  void aPlaintextCallToTheTlsPortGetsNothing() {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    try {
      assertThatThrownBy(() -> stub(channel).get(GetRequest.newBuilder().setProductId("x").build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e ->
                  assertThat(e.getStatus().getCode())
                      .as(e.getStatus().toString())
                      .isEqualTo(Status.Code.UNAVAILABLE));
    } finally {
      channel.shutdownNow();
    }
  }
}
