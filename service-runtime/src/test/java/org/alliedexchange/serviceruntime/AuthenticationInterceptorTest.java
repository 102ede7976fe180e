package org.alliedexchange.serviceruntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.accesstoken.TokenValidator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The interceptor in front of every service's API, over gRPC's in-process transport: no network, no
 * Keycloak.
 */
class AuthenticationInterceptorTest {

  /** A unary method that answers with who the interceptor says is calling. */
  private static final MethodDescriptor<String, String> WHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(
              MethodDescriptor.generateFullMethodName("allied.test.v1.WhoService", "Who"))
          .setRequestMarshaller(new Utf8())
          .setResponseMarshaller(new Utf8())
          .build();

  private static TestTokens tokens;
  private static Server server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    tokens = new TestTokens();
    TokenValidator validator =
        new TokenValidator(tokens.issuer, tokens.jwks(), TestTokens.AUDIENCE, Duration.ZERO);
    ServerServiceDefinition who =
        ServerServiceDefinition.builder("allied.test.v1.WhoService")
            .addMethod(
                WHO,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      Caller caller = AuthenticationInterceptor.caller();
                      response.onNext(
                          caller.system() + " of " + caller.nation() + " " + caller.roles());
                      response.onCompleted();
                    }))
            .build();
    HealthStatusManager health = new HealthStatusManager();
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    who, new StatusExceptions(), new AuthenticationInterceptor(validator)))
            .addService(
                ServerInterceptors.intercept(
                    health.getHealthService(), new AuthenticationInterceptor(validator)))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    tokens.close();
  }

  @Test
  void aValidTokenNamesTheCallerToTheService() {
    String token =
        tokens.token("kor-jcs-reader", "KOR", "SECRET", List.of(), List.of("exchange-read"));

    assertThat(call(token)).isEqualTo("kor-jcs-reader of KOR [exchange-read]");
  }

  @Test
  void noTokenIsUnauthenticated() {
    assertRefused(
        () -> ClientCalls.blockingUnaryCall(channel, WHO, CallOptions.DEFAULT, "who"),
        "no bearer token: send `authorization: Bearer <access token>` from the realm's token endpoint");
  }

  @Test
  void aMalformedTokenIsUnauthenticated() {
    assertRefused(() -> call("not.a-jwt"), "invalid token:");
  }

  @Test
  void anExpiredTokenIsUnauthenticated() {
    String expired =
        tokens.tweaked(
            claims ->
                claims
                    .issueTime(new Date(System.currentTimeMillis() - 600_000))
                    .expirationTime(new Date(System.currentTimeMillis() - 300_000)));

    assertRefused(() -> call(expired), "expired");
  }

  @Test
  void aTokenForAnotherAudienceIsUnauthenticated() {
    String otherAudience = tokens.tweaked(claims -> claims.audience("account"));

    assertRefused(
        () -> call(otherAudience),
        "the token's audience [account] does not include allied-gateway");
  }

  @Test
  void aForgedOrUnsignedTokenIsUnauthenticated() throws Exception {
    String forged = tokens.forged();

    assertRefused(() -> call(forged), "invalid token:");
    assertRefused(() -> call(tokens.unsigned()), "invalid token:");
  }

  @Test
  void aFineTokenIsUnavailableNotUnauthenticatedWhileTheRealmsKeysCannotBeFetched()
      throws Exception {
    TokenValidator keysOutOfReach = tokens.validatorWithKeysOutOfReach(Duration.ZERO);
    String name = InProcessServerBuilder.generateName();
    Server keyless =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    ServerServiceDefinition.builder("allied.test.v1.WhoService")
                        .addMethod(
                            WHO,
                            ServerCalls.asyncUnaryCall(
                                (request, response) -> {
                                  response.onNext("admitted");
                                  response.onCompleted();
                                }))
                        .build(),
                    new AuthenticationInterceptor(keysOutOfReach)))
            .build()
            .start();
    ManagedChannel toKeyless = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      String token =
          tokens.token("kor-jcs-reader", "KOR", "SECRET", List.of(), List.of("exchange-read"));
      assertThatThrownBy(
              () ->
                  ClientCalls.blockingUnaryCall(
                      toKeyless,
                      WHO,
                      CallOptions.DEFAULT.withCallCredentials(TestTokens.bearer(token)),
                      "who"))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription())
                    .isEqualTo(
                        "the service cannot check tokens now: the realm's signing keys could not"
                            + " be fetched (Couldn't retrieve JWK set from URL: Connection"
                            + " refused); retry later, the token itself was not refused");
              });
    } finally {
      toKeyless.shutdownNow();
      keyless.shutdownNow();
    }
  }

  @Test
  void healthStaysOpenWithoutAToken() {
    HealthCheckResponse health =
        HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());

    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  private static String call(String token) {
    return ClientCalls.blockingUnaryCall(
        channel, WHO, CallOptions.DEFAULT.withCallCredentials(TestTokens.bearer(token)), "who");
  }

  private static void assertRefused(Runnable call, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e -> {
              Status status = ((StatusRuntimeException) e).getStatus();
              assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(status.getDescription()).contains(message);
            });
  }

  private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
