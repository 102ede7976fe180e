package org.alliedexchange.exchange;

import static org.alliedexchange.exchange.ExchangeServiceIT.assertStatus;
import static org.alliedexchange.exchange.Products.label;
import static org.alliedexchange.exchange.Products.missileLaunch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What operators rely on: reflection, deadlines, and data that survives a restart. */
class OperationsIT {

  static Path data;

  @BeforeAll
  static void start() throws Exception {
    data = Files.createTempDirectory("allied-operations-");
    ExchangeServiceIT.redis = LocalRedis.start(data.resolve("redis"));
    ExchangeServiceIT.tokens = new TestTokens();
  }

  @AfterAll
  static void stop() {
    ExchangeServiceIT.tokens.close();
    ExchangeServiceIT.redis.close();
  }

  @Test
  void reflectionWhenConfiguredListsTheExchangeServiceAndADeadlineEndsASubscription()
      throws Exception {
    try (LocalPostgres postgres = LocalPostgres.start(data.resolve("kor-a").resolve("postgres"));
        ExchangeServiceApplication.Running kor =
            ExchangeServiceApplication.start(
                withReflection(
                    ExchangeServiceIT.properties("KOR", data.resolve("kor-a"), postgres.url())),
                null)) {
      ManagedChannel channel = TestPki.shared().asGateway(kor.port());
      try {
        assertThat(listServices(channel))
            .contains(ExchangeServiceGrpc.SERVICE_NAME, "grpc.health.v1.Health");

        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        ExchangeServiceGrpc.newStub(channel)
            .withCallCredentials(TestTokens.bearer(ExchangeServiceIT.jpnReader()))
            .withDeadlineAfter(700, TimeUnit.MILLISECONDS)
            .subscribe(
                SubscribeRequest.newBuilder().setTopic("test.deadline").build(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(org.alliedexchange.api.exchange.v1.SubscribeResponse value) {}

                  @Override
                  public void onError(Throwable t) {
                    ended.complete(t);
                  }

                  @Override
                  public void onCompleted() {
                    ended.complete(null);
                  }
                });
        assertThat(Status.fromThrowable(ended.get(10, TimeUnit.SECONDS)).getCode())
            .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void productsSurviveARestartAndStillVerify() throws Exception {
    Path dir = data.resolve("kor-b");
    String id;
    try (LocalPostgres postgres = LocalPostgres.start(dir.resolve("postgres"));
        ExchangeServiceApplication.Running kor =
            ExchangeServiceApplication.start(
                ExchangeServiceIT.properties("KOR", dir, postgres.url()), null)) {
      ManagedChannel channel = TestPki.shared().asGateway(kor.port());
      id =
          ExchangeServiceGrpc.newBlockingStub(channel)
              .withCallCredentials(TestTokens.bearer(ExchangeServiceIT.korPublisher()))
              .publish(missileLaunch("dprk.missile.launch", label("KOR", "군사II급비밀", "KOR", "USA")))
              .getContent()
              .getId();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    // the database server restarts too, on the data it wrote
    try (LocalPostgres postgres = LocalPostgres.start(dir.resolve("postgres"));
        ExchangeServiceApplication.Running again =
            ExchangeServiceApplication.start(
                ExchangeServiceIT.properties("KOR", dir, postgres.url()), null)) {
      ManagedChannel channel = TestPki.shared().asGateway(again.port());
      try {
        var stub =
            ExchangeServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(ExchangeServiceIT.usaReader()));
        // served after the restart: the database and the signing key persisted, and the binding
        // verified afresh
        assertThat(stub.get(GetRequest.newBuilder().setProductId(id).build()).getContent().getId())
            .isEqualTo(id);
        assertThatThrownBy(
                () ->
                    stub.get(
                        GetRequest.newBuilder()
                            .setProductId(java.util.UUID.randomUUID().toString())
                            .build()))
            .satisfies(e -> assertStatus(e, Status.Code.NOT_FOUND, "no product"));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Reflection is off unless configured (issue 14): it lists the API to whoever connects. */
  private static Map<String, Object> withReflection(Map<String, Object> properties) {
    properties.put("allied.exchange.reflection", "true");
    return properties;
  }

  private static List<String> listServices(ManagedChannel channel) throws Exception {
    CompletableFuture<List<String>> services = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    services.complete(
                        value.getListServicesResponse().getServiceList().stream()
                            .map(ServiceResponse::getName)
                            .toList());
                  }

                  @Override
                  public void onError(Throwable t) {
                    services.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> names = services.get(10, TimeUnit.SECONDS);
    requests.onCompleted();
    return names;
  }
}
