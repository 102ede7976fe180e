package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.VerifyChainRequest;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.FederationCertificates.Use;
import org.alliedexchange.serviceruntime.GatewayOnlyTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A neighbour process holding a valid national token calls the exchange and audit services' ports
 * directly, skipping the gateway's guard, audit and rate limit (issue 14). Each backend answers
 * only a gateway's client certificate from the federation's CA; the same call through the gateway
 * succeeds.
 */
class BackendsHearOnlyTheGatewayIT {

  static KoreaBehindTheGateway federation;
  static FederationCertificates.Issued gateway;
  static FederationCertificates.Issued israeliSystem;
  static FederationCertificates.Issued rogueGateway;

  @BeforeAll
  static void start() throws Exception {
    federation = new KoreaBehindTheGateway(true);
    gateway = federation.pki.issue("allied-gateway", Use.CLIENT);
    // the federation's own CA, but issued to a national system, not a gateway
    israeliSystem = federation.pki.issue("kor-isr-01", Use.CLIENT);
    // named like the gateway, but by a CA nobody configured
    rogueGateway =
        FederationCertificates.openOrCreate(Files.createTempDirectory("allied-rogue-ca-"))
            .issue("allied-gateway", Use.CLIENT);
  }

  @AfterAll
  static void stop() throws Exception {
    federation.close();
  }

  private static String korReader() {
    return federation.tokens.token(
        "kor-mod-reader",
        "KOR",
        "TOP_SECRET",
        List.of("MISSILE_WARNING"),
        List.of("exchange-read"));
  }

  private static String korAuditor() {
    return federation.tokens.personToken(
        "allied-console", "kor-auditor", "KOR", "SECRET", List.of(), List.of("auditor"));
  }

  private static Object search(ManagedChannel channel) {
    return ExchangeServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(TestTokens.bearer(korReader()))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .search(SearchRequest.newBuilder().setTopic("dprk.missile.launch").build())
        .hasNext();
  }

  private static Object verifyChain(ManagedChannel channel) {
    return AuditServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(TestTokens.bearer(korAuditor()))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .verifyChain(VerifyChainRequest.newBuilder().setRelationship("JPN-KOR").build());
  }

  private static ManagedChannel plaintext(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** TLS, trusting the backend's certificate, presenting none of its own. */
  private static ManagedChannel noClientCertificate(int port) throws Exception {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(
            GrpcSslContexts.forClient().trustManager(federation.pki.authority().toFile()).build())
        .build();
  }

  /** TLS presenting {@code certificate}, trusting the federation's CA for the backend. */
  private static ManagedChannel presenting(FederationCertificates.Issued certificate, int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(
            GatewayOnlyTls.grpcClientContext(
                certificate.certificate(), certificate.privateKey(), federation.pki.authority()))
        .build();
  }

  private static void assertRefused(ManagedChannel channel, Function<ManagedChannel, ?> call) {
    try {
      assertThatThrownBy(() -> call.apply(channel))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    } finally {
      channel.shutdownNow();
    }
  }

  private static void assertRefusedEveryWayButTheGateways(
      int port, Function<ManagedChannel, ?> call) throws Exception {
    assertRefused(plaintext(port), call);
    assertRefused(noClientCertificate(port), call);
    assertRefused(presenting(rogueGateway, port), call);
    assertRefused(presenting(israeliSystem, port), call);
  }

  @Test
  void aDirectCallToTheExchangeServiceWithAValidNationalTokenIsRefused() throws Exception {
    // through the gateway: answered (nothing published, so an empty page)
    assertThat(
            federation
                .korea(korReader())
                .search(SearchRequest.newBuilder().setTopic("dprk.missile.launch").build())
                .hasNext())
        .isFalse();

    assertRefusedEveryWayButTheGateways(
        federation.kor.port(), BackendsHearOnlyTheGatewayIT::search);
  }

  @Test
  void aDirectCallToTheAuditServiceWithAValidAuditorTokenIsRefused() throws Exception {
    // through the gateway: answered
    assertThat(verifyChain(federation.channel)).isNotNull();

    assertRefusedEveryWayButTheGateways(
        federation.audit.port(), BackendsHearOnlyTheGatewayIT::verifyChain);
  }

  @Test
  void theAuditorConsolePortRefusesAnyoneButTheGateway() throws Exception {
    URI page = URI.create("https://127.0.0.1:" + federation.audit.consolePort() + "/console/");
    HttpClient client = HttpClient.newBuilder().build();
    // a JDK client trusting nothing of ours, then plaintext: neither gets a page
    assertThatThrownBy(
            () ->
                client.send(
                    HttpRequest.newBuilder(page)
                        .header("Authorization", "Bearer " + korAuditor())
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(
            () ->
                client.send(
                    HttpRequest.newBuilder(
                            URI.create(
                                "http://127.0.0.1:" + federation.audit.consolePort() + "/console/"))
                        .header("Authorization", "Bearer " + korAuditor())
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void reflectionIsOffOnBackendsByDefaultAndHealthStaysOn() throws Exception {
    for (int port : new int[] {federation.kor.port(), federation.audit.port()}) {
      ManagedChannel channel = presenting(gateway, port);
      try {
        assertThat(
                HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance())
                    .getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests =
            ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .serverReflectionInfo(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(ServerReflectionResponse value) {
                        ended.complete(null);
                      }

                      @Override
                      public void onError(Throwable t) {
                        ended.complete(t);
                      }

                      @Override
                      public void onCompleted() {
                        ended.complete(null);
                      }
                    });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        Throwable refusal = ended.get(10, TimeUnit.SECONDS);
        assertThat(refusal).as("reflection answered on port %d", port).isNotNull();
        assertThat(Status.fromThrowable(refusal).getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
