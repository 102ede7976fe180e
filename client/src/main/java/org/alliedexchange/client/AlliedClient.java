package org.alliedexchange.client;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;

/**
 * A national system's connection to the federation: one HTTP/2 channel to the gateway (plaintext
 * h2c for {@code http://}, TLS for {@code https://}), every call carrying a fresh token from its
 * {@link TokenSource}, and each exchange call naming the nation whose exchange service it is for.
 *
 * <pre>
 * try (AlliedClient client = AlliedClient.connect(URI.create("http://127.0.0.1:8443"),
 *     new ClientCredentialsTokens(tokenEndpoint, "jpn-mod-reader", secret, Clock.systemUTC()))) {
 *   GetResponse product = client.exchange("KOR").get(GetRequest.newBuilder().setProductId(id).build());
 * }
 * </pre>
 */
public final class AlliedClient implements AutoCloseable {

  /** The metadata naming the nation an exchange call is for. */
  public static final Metadata.Key<String> NATION = AlliedMetadata.NATION;

  /**
   * A unary call's transfer id (a trailer), of the product released or withheld: quote it to ask
   * why. A national system is told nothing else of what it did not get.
   */
  public static final Metadata.Key<String> TRANSFER_ID = AlliedMetadata.TRANSFER_ID;

  /** Where a search's next page starts, after its last product (a trailer); absent at the end. */
  public static final Metadata.Key<String> NEXT_CURSOR = AlliedMetadata.NEXT_CURSOR;

  private final ManagedChannel channel;
  private final CallCredentials credentials;
  private final TokenSource tokens;
  // resumptions of subscriptions are scheduled here, never on the transport's threads; its thread
  // exists only while resumptions are pending, so a process of many clients keeps none idle
  private final ScheduledExecutorService resumptions;

  private AlliedClient(ManagedChannel channel, TokenSource tokens, Duration resumeThreadIdle) {
    this.channel = channel;
    this.tokens = tokens;
    this.resumptions = resumptionScheduler(resumeThreadIdle);
    this.credentials =
        new CallCredentials() {
          @Override
          public void applyRequestMetadata(
              RequestInfo info, Executor executor, MetadataApplier applier) {
            // a fresh token is applied at once; a fetch from Keycloak holds no thread while it
            // runs, and a source that can only block does so on gRPC's executor, never the
            // transport's thread
            tokens
                .tokenAsync(executor)
                .whenComplete(
                    (token, failure) -> {
                      if (failure != null) {
                        Throwable cause = AsyncLimit.cause(failure);
                        applier.fail(Status.UNAUTHENTICATED.withDescription(cause.getMessage()));
                        return;
                      }
                      AtomicReference<String> sent = info.getCallOptions().getOption(TOKEN_SENT);
                      if (sent != null) {
                        sent.set(token);
                      }
                      applier.apply(AlliedMetadata.withBearer(token));
                    });
          }
        };
  }

  private static ScheduledExecutorService resumptionScheduler(Duration idle) {
    ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, "allied-client-resume");
              thread.setDaemon(true);
              return thread;
            });
    scheduler.setKeepAliveTime(idle.toMillis(), TimeUnit.MILLISECONDS);
    scheduler.allowCoreThreadTimeOut(true);
    scheduler.setRemoveOnCancelPolicy(true);
    return scheduler;
  }

  /** How long the resumption thread stays once nothing is pending. */
  static final Duration RESUME_THREAD_IDLE = Duration.ofSeconds(10);

  /** Whether a thread is kept for resumptions now (for tests). */
  boolean holdsAResumptionThread() {
    return ((ScheduledThreadPoolExecutor) resumptions).getPoolSize() > 0;
  }

  /**
   * Connects to the gateway at {@code gateway}: {@code http://host:port} (h2c) or {@code
   * https://host:port}.
   */
  public static AlliedClient connect(URI gateway, TokenSource tokens) {
    return connect(gateway, tokens, RESUME_THREAD_IDLE);
  }

  static AlliedClient connect(URI gateway, TokenSource tokens, Duration resumeThreadIdle) {
    if (gateway.getHost() == null
        || gateway.getPort() < 0
        || !(gateway.getScheme().equals("http") || gateway.getScheme().equals("https"))) {
      throw new IllegalArgumentException(
          "the gateway is http://host:port or https://host:port, not " + gateway);
    }
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(gateway.getHost(), gateway.getPort())
            .maxInboundMessageSize(16 << 20)
            .defaultServiceConfig(RETRIES)
            .enableRetry();
    if (gateway.getScheme().equals("http")) {
      builder.usePlaintext();
    } else {
      builder.useTransportSecurity();
    }
    return new AlliedClient(builder.build(), tokens, resumeThreadIdle);
  }

  /**
   * Calls that end {@code UNAVAILABLE} (a gateway replica going away, a Redis that did not answer
   * in time) are tried again, up to three attempts in all with backoff, where a repeat cannot do
   * anything twice: reads, streams before their first message, and publishes, which always carry an
   * idempotency key ({@link #IDEMPOTENT_PUBLISH}). An amendment is not repeated: its caller
   * decides.
   */
  static final Map<String, ?> RETRIES =
      Map.of(
          "methodConfig",
          List.of(
              Map.of(
                  "name",
                      List.of(
                          Map.of(
                              "service", "allied.exchange.v1.ExchangeService", "method", "Publish"),
                          Map.of("service", "allied.exchange.v1.ExchangeService", "method", "Get"),
                          Map.of(
                              "service", "allied.exchange.v1.ExchangeService", "method", "Search"),
                          Map.of(
                              "service",
                              "allied.exchange.v1.ExchangeService",
                              "method",
                              "Subscribe"),
                          Map.of("service", "allied.audit.v1.AuditService")),
                  "retryPolicy",
                      Map.of(
                          "maxAttempts",
                          3.0,
                          "initialBackoff",
                          "0.2s",
                          "maxBackoff",
                          "1s",
                          "backoffMultiplier",
                          2.0,
                          "retryableStatusCodes",
                          List.of("UNAVAILABLE")))));

  /**
   * Gives a publish without an idempotency key a fresh one, so that a repeated attempt is the same
   * publish.
   */
  static final ClientInterceptor IDEMPOTENT_PUBLISH =
      new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(
            MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
          return new ForwardingClientCall.SimpleForwardingClientCall<>(
              next.newCall(method, options)) {
            @Override
            @SuppressWarnings("unchecked")
            public void sendMessage(Q message) {
              if (message instanceof PublishRequest publish
                  && publish.getIdempotencyKey().isEmpty()) {
                message =
                    (Q) publish.toBuilder().setIdempotencyKey(UUID.randomUUID().toString()).build();
              }
              super.sendMessage(message);
            }
          };
        }
      };

  /** The token a call went out with, so its refusal renews that token and not a newer one. */
  private static final CallOptions.Key<AtomicReference<String>> TOKEN_SENT =
      CallOptions.Key.create("allied-token-sent");

  /**
   * A call refused {@code UNAUTHENTICATED} (its token expired, or an identity change revoked it at
   * the gateway) makes the next call fetch a fresh token instead of reusing the refused one.
   */
  private final ClientInterceptor refreshOnUnauthenticated =
      new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(
            MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
          AtomicReference<String> sent = new AtomicReference<>();
          return new ForwardingClientCall.SimpleForwardingClientCall<>(
              next.newCall(method, options.withOption(TOKEN_SENT, sent))) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
              super.start(
                  new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                      if (status.getCode() == Status.Code.UNAUTHENTICATED) {
                        String rejected = sent.get();
                        if (rejected != null) {
                          tokens.refresh(rejected);
                        } else {
                          tokens.refresh();
                        }
                      }
                      super.onClose(status, trailers);
                    }
                  },
                  headers);
            }
          };
        }
      };

  /** The exchange service of {@code nation}, through the gateway. */
  public ExchangeServiceGrpc.ExchangeServiceBlockingStub exchange(String nation) {
    return ExchangeServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(credentials)
        .withInterceptors(nation(nation), IDEMPOTENT_PUBLISH, refreshOnUnauthenticated);
  }

  /** As {@link #exchange}, for streams read as they come. */
  public ExchangeServiceGrpc.ExchangeServiceStub exchangeAsync(String nation) {
    return ExchangeServiceGrpc.newStub(channel)
        .withCallCredentials(credentials)
        .withInterceptors(nation(nation), IDEMPOTENT_PUBLISH, refreshOnUnauthenticated);
  }

  /**
   * Follows a topic of {@code nation}'s exchange service as {@link ResumingSubscription} does: a
   * stream the gateway ends for an expired or changed identity is resumed from its cursor with a
   * fresh token, so {@code observer} misses nothing and sees nothing twice.
   */
  public ResumingSubscription subscribe(
      String nation, SubscribeRequest request, StreamObserver<SubscribeResponse> observer) {
    ResumingSubscription subscription =
        new ResumingSubscription(() -> exchangeAsync(nation), resumptions, request, observer);
    subscription.start();
    return subscription;
  }

  /**
   * {@code nation}'s hotline node, through the gateway: a hotline member calls its own nation's
   * node with its own token.
   */
  public HotlineServiceGrpc.HotlineServiceBlockingStub hotline(String nation) {
    return HotlineServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(credentials)
        .withInterceptors(nation(nation), refreshOnUnauthenticated);
  }

  /** As {@link #hotline}, for streams read as they come (a conference's watch). */
  public HotlineServiceGrpc.HotlineServiceStub hotlineAsync(String nation) {
    return HotlineServiceGrpc.newStub(channel)
        .withCallCredentials(credentials)
        .withInterceptors(nation(nation), refreshOnUnauthenticated);
  }

  /** The auditors' API (federation-wide: no nation is named). */
  public AuditServiceGrpc.AuditServiceBlockingStub audit() {
    return AuditServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(credentials)
        .withInterceptors(refreshOnUnauthenticated);
  }

  private static io.grpc.ClientInterceptor nation(String nation) {
    Metadata headers = new Metadata();
    headers.put(NATION, nation);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  @Override
  public void close() {
    resumptions.shutdownNow();
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
