package org.alliedexchange.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A subscription the gateway ends UNAUTHENTICATED (token expired, identity changed) is resumed by
 * the client from its cursor with a fresh token: nothing lost, nothing repeated.
 */
class ResumingSubscriptionTest {

  static final Context.Key<String> TOKEN = Context.key("token");
  static final List<String> FEED = List.of("p1", "p2", "p3", "p4", "p5", "p6");

  /**
   * A topic of six products, each with cursor "c-" + id. A token is good for three products: then
   * the stream ends as the gateway ends it at the token's expiry, and the token is refused after.
   */
  static final class ExpiringFeed extends ExchangeServiceGrpc.ExchangeServiceImplBase {
    final List<String> tokensSeen = new CopyOnWriteArrayList<>();
    final List<String> cursorsAsked = new CopyOnWriteArrayList<>();
    final List<String> spent = new CopyOnWriteArrayList<>();

    @Override
    public void subscribe(SubscribeRequest request, StreamObserver<SubscribeResponse> responses) {
      String token = TOKEN.get();
      tokensSeen.add(token);
      cursorsAsked.add(request.getFromCursor());
      if (spent.contains(token)) {
        responses.onError(
            Status.UNAUTHENTICATED.withDescription("token expired").asRuntimeException());
        return;
      }
      int from =
          request.getFromCursor().isEmpty()
              ? 0
              : FEED.indexOf(request.getFromCursor().substring(2)) + 1;
      int sent = 0;
      for (int i = from; i < FEED.size() && sent < 3; i++, sent++) {
        responses.onNext(
            SubscribeResponse.newBuilder()
                .setContent(ProductContent.newBuilder().setId(FEED.get(i)))
                .setCursor("c-" + FEED.get(i))
                .build());
      }
      if (from + sent >= FEED.size()) {
        responses.onCompleted();
        return;
      }
      spent.add(token);
      responses.onError(
          Status.UNAUTHENTICATED
              .withDescription("token expired; resume with a fresh token from your cursor")
              .asRuntimeException());
    }
  }

  /** Tokens t1, t2, ...: a new one only after {@link #refresh()}. */
  static final class CountingTokens implements TokenSource {
    final AtomicInteger issued = new AtomicInteger(1);

    @Override
    public String token() {
      return "t" + issued.get();
    }

    @Override
    public void refresh() {
      issued.incrementAndGet();
    }
  }

  ExpiringFeed feed;
  Server server;

  @BeforeEach
  void start() throws Exception {
    feed = new ExpiringFeed();
    ServerInterceptor bearer =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String token = AlliedMetadata.bearerToken(headers.get(AlliedMetadata.AUTHORIZATION));
            return Contexts.interceptCall(
                Context.current().withValue(TOKEN, token), call, headers, next);
          }
        };
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(feed, bearer))
            .build()
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aStreamEndedUnauthenticatedResumesFromItsCursorWithAFreshTokenLosingAndRepeatingNothing()
      throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    try (AlliedClient client =
        AlliedClient.connect(
            URI.create("http://127.0.0.1:" + server.getPort()), new CountingTokens())) {
      ResumingSubscription subscription =
          client.subscribe(
              "KOR",
              SubscribeRequest.newBuilder().setTopic("dprk.missile.launch").build(),
              new StreamObserver<>() {
                @Override
                public void onNext(SubscribeResponse value) {
                  received.add(value.getContent().getId());
                }

                @Override
                public void onError(Throwable t) {
                  ended.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                  ended.complete(Status.OK);
                }
              });

      assertThat(ended.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
      assertThat(received).containsExactly("p1", "p2", "p3", "p4", "p5", "p6");
      assertThat(feed.tokensSeen).containsExactly("t1", "t2");
      assertThat(feed.cursorsAsked).containsExactly("", "c-p3");
      assertThat(subscription.cursor()).isEqualTo("c-p6");
    }
  }

  @Test
  void aCallRefusedUnauthenticatedMakesTheNextCallFetchAFreshToken() throws Exception {
    CountingTokens tokens = new CountingTokens();
    try (AlliedClient client =
        AlliedClient.connect(URI.create("http://127.0.0.1:" + server.getPort()), tokens)) {
      // the feed refuses a spent token, as the gateway refuses one an identity change revoked
      feed.spent.add("t1");
      java.util.Iterator<SubscribeResponse> refused =
          client
              .exchange("KOR")
              .subscribe(SubscribeRequest.newBuilder().setTopic("dprk.missile.launch").build());
      org.assertj.core.api.Assertions.assertThatThrownBy(refused::hasNext)
          .isInstanceOf(io.grpc.StatusRuntimeException.class)
          .satisfies(
              e ->
                  assertThat(((io.grpc.StatusRuntimeException) e).getStatus().getCode())
                      .isEqualTo(Status.Code.UNAUTHENTICATED));

      java.util.Iterator<SubscribeResponse> next =
          client
              .exchange("KOR")
              .subscribe(SubscribeRequest.newBuilder().setTopic("dprk.missile.launch").build());

      assertThat(next.next().getContent().getId()).isEqualTo("p1");
      assertThat(feed.tokensSeen).containsExactly("t1", "t2");
    }
  }

  @Test
  void aSystemThatGetsNoFreshTokenIsToldUnauthenticatedAfterBoundedAttempts() throws Exception {
    CompletableFuture<Status> ended = new CompletableFuture<>();
    TokenSource disabled =
        () -> {
          throw new TokenSource.TokenException("Keycloak refused a token (HTTP 401)");
        };
    try (AlliedClient client =
        AlliedClient.connect(URI.create("http://127.0.0.1:" + server.getPort()), disabled)) {
      client.subscribe(
          "KOR",
          SubscribeRequest.newBuilder().setTopic("dprk.missile.launch").build(),
          new StreamObserver<>() {
            @Override
            public void onNext(SubscribeResponse value) {}

            @Override
            public void onError(Throwable t) {
              ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
              ended.complete(Status.OK);
            }
          });

      Status status = ended.get(15, TimeUnit.SECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(status.getDescription()).contains("Keycloak refused a token");
      assertThat(feed.tokensSeen).isEmpty();
    }
  }
}
