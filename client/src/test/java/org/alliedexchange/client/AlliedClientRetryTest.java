package org.alliedexchange.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityResponse;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.PublishResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a national system's calls do when the gateway answers UNAVAILABLE for a moment. */
class AlliedClientRetryTest {

  /**
   * An exchange service that refuses the first {@code failures} attempts of each call with
   * UNAVAILABLE.
   */
  static final class FlakyExchange extends ExchangeServiceGrpc.ExchangeServiceImplBase {
    volatile int failures;
    volatile boolean unauthenticated;
    final AtomicInteger attempts = new AtomicInteger();
    final List<String> publishKeys = new CopyOnWriteArrayList<>();

    private boolean refuse(StreamObserver<?> responses) {
      if (attempts.incrementAndGet() <= failures) {
        responses.onError(
            Status.UNAVAILABLE
                .withDescription("the rate limiter's Redis did not answer")
                .asRuntimeException());
        return true;
      }
      return false;
    }

    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> responses) {
      publishKeys.add(request.getIdempotencyKey());
      if (!refuse(responses)) {
        responses.onNext(
            PublishResponse.newBuilder()
                .setContent(ProductContent.newBuilder().setId("p-1"))
                .build());
        responses.onCompleted();
      }
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> responses) {
      if (unauthenticated) {
        responses.onError(
            Status.UNAUTHENTICATED.withDescription("token revoked").asRuntimeException());
        return;
      }
      if (!refuse(responses)) {
        responses.onNext(
            GetResponse.newBuilder()
                .setContent(ProductContent.newBuilder().setId(request.getProductId()))
                .build());
        responses.onCompleted();
      }
    }

    final AtomicInteger subscriptions = new AtomicInteger();

    /**
     * The first subscription is refused UNAVAILABLE; a later one stays open, delivering nothing.
     */
    @Override
    public void subscribe(
        org.alliedexchange.api.exchange.v1.SubscribeRequest request,
        StreamObserver<org.alliedexchange.api.exchange.v1.SubscribeResponse> responses) {
      if (subscriptions.incrementAndGet() == 1) {
        responses.onError(
            Status.UNAVAILABLE.withDescription("a gateway replica went away").asRuntimeException());
      }
    }

    @Override
    public void amendReleasability(
        AmendReleasabilityRequest request, StreamObserver<AmendReleasabilityResponse> responses) {
      if (!refuse(responses)) {
        responses.onNext(AmendReleasabilityResponse.getDefaultInstance());
        responses.onCompleted();
      }
    }
  }

  final FlakyExchange exchange = new FlakyExchange();
  Server server;
  AlliedClient client;

  @BeforeEach
  void start() throws Exception {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(exchange)
            .build()
            .start();
    client =
        AlliedClient.connect(
            URI.create("http://127.0.0.1:" + server.getPort()), TokenSource.of("a-token"));
  }

  @AfterEach
  void stop() {
    client.close();
    server.shutdownNow();
  }

  @Test
  void aCallRefusedUnauthenticatedRenewsTheTokenItWasSentWith() {
    List<String> renewed = new CopyOnWriteArrayList<>();
    TokenSource tokens =
        new TokenSource() {
          @Override
          public String token() {
            return "token-" + renewed.size();
          }

          @Override
          public void refresh(String rejected) {
            renewed.add(rejected);
          }
        };
    exchange.unauthenticated = true;
    AlliedClient refusedClient =
        AlliedClient.connect(URI.create("http://127.0.0.1:" + server.getPort()), tokens);
    try {
      for (int call = 0; call < 2; call++) {
        assertThatThrownBy(
                () ->
                    refusedClient
                        .exchange("KOR")
                        .get(GetRequest.newBuilder().setProductId("p-7").build()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      }
    } finally {
      refusedClient.close();
    }
    // each refusal names the token that call carried, so a shared source renews it only once
    assertThat(renewed).containsExactly("token-0", "token-1");
  }

  @Test
  void aPublishRefusedOnceIsRepeatedWithTheSameIdempotencyKey() {
    exchange.failures = 1;
    PublishResponse published = client.exchange("KOR").publish(PublishRequest.getDefaultInstance());
    assertThat(published.getContent().getId()).isEqualTo("p-1");
    assertThat(exchange.publishKeys).hasSize(2);
    assertThat(exchange.publishKeys.get(0)).isNotEmpty().isEqualTo(exchange.publishKeys.get(1));
  }

  @Test
  void aKeyTheCallerChoseIsKept() {
    client
        .exchange("KOR")
        .publish(PublishRequest.newBuilder().setIdempotencyKey("report-2026-11-22-01").build());
    assertThat(exchange.publishKeys).containsExactly("report-2026-11-22-01");
  }

  @Test
  void aReadIsTriedThreeTimesInAllAndThenTheRefusalIsTheCallers() {
    exchange.failures = 2;
    assertThat(
            client
                .exchange("KOR")
                .get(GetRequest.newBuilder().setProductId("p-7").build())
                .getContent()
                .getId())
        .isEqualTo("p-7");
    assertThat(exchange.attempts).hasValue(3);

    exchange.failures = Integer.MAX_VALUE;
    exchange.attempts.set(0);
    assertThatThrownBy(
            () -> client.exchange("KOR").get(GetRequest.newBuilder().setProductId("p-7").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains("Redis did not answer");
            });
    assertThat(exchange.attempts).hasValue(3);
  }

  @Test
  void anAmendmentIsNotRepeated() {
    exchange.failures = 1;
    assertThatThrownBy(
            () ->
                client
                    .exchange("KOR")
                    .amendReleasability(AmendReleasabilityRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(exchange.attempts).hasValue(1);
  }

  @Test
  void aResumedSubscriptionLeavesNoThreadBehindOnceNothingIsPending() throws Exception {
    AlliedClient resuming =
        AlliedClient.connect(
            URI.create("http://127.0.0.1:" + server.getPort()),
            TokenSource.of("a-token"),
            java.time.Duration.ofMillis(200));
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    try (ResumingSubscription subscription =
        resuming.subscribe(
            "KOR",
            org.alliedexchange.api.exchange.v1.SubscribeRequest.newBuilder().setTopic("t").build(),
            new StreamObserver<>() {
              @Override
              public void onNext(org.alliedexchange.api.exchange.v1.SubscribeResponse value) {}

              @Override
              public void onError(Throwable t) {
                errors.add(t);
              }

              @Override
              public void onCompleted() {}
            })) {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
      while (exchange.subscriptions.get() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(exchange.subscriptions).as("resumed after UNAVAILABLE").hasValue(2);
      while (resuming.holdsAResumptionThread() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      // a process holding a thousand clients keeps no thread per client between resumptions
      assertThat(resuming.holdsAResumptionThread()).isFalse();
      assertThat(errors).isEmpty();
    } finally {
      resuming.close();
    }
  }
}
