package org.alliedexchange.gateway.auditors;

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
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

/**
 * The auditors' gRPC API as the HTTP/JSON API reaches it: through this gateway's own port, so every
 * record an auditor gets as JSON, CSV or a page has passed the same access filter, the same guard
 * and the same audit as a gRPC caller's. There is one guarded path, not two.
 */
public final class AuditorCalls implements AutoCloseable {

  /** What the guard reported at the end of a call: how many records were withheld, and why. */
  public record Withheld(int count, String reasons) {
    static final Withheld NONE = new Withheld(0, "");

    static Withheld of(Metadata trailers) {
      if (trailers == null) {
        return NONE;
      }
      String count = trailers.get(WITHHELD);
      String reasons = trailers.get(WITHHELD_REASONS);
      return new Withheld(AlliedMetadata.withheldCount(count), reasons == null ? "" : reasons);
    }
  }

  /** One page of records, and what the guard withheld from it. */
  public record Page(java.util.List<QueryRecordsResponse> records, Withheld withheld) {}

  static final Metadata.Key<String> WITHHELD = AlliedMetadata.WITHHELD;
  static final Metadata.Key<String> WITHHELD_REASONS = AlliedMetadata.WITHHELD_REASONS;

  private final IntSupplier gatewayPort;
  private final LoopbackTls tls;
  private volatile ManagedChannel channel;

  /**
   * @param gatewayPort this gateway's port, known once it listens
   * @param tls how to reach that port when it speaks TLS, or null when it speaks h2c
   */
  public AuditorCalls(IntSupplier gatewayPort, LoopbackTls tls) {
    this.gatewayPort = gatewayPort;
    this.tls = tls;
  }

  /**
   * The channel to this gateway's own port, opened on first use: every call made on it passes the
   * access filter, the guard and the audit like any caller's (the hotline page's calls use it too).
   */
  public Channel loopback() {
    ManagedChannel open = channel;
    if (open == null) {
      synchronized (this) {
        if (channel == null) {
          int port = gatewayPort.getAsInt();
          NettyChannelBuilder builder =
              NettyChannelBuilder.forAddress("127.0.0.1", port)
                  .maxInboundMessageSize(8 * 1024 * 1024);
          channel =
              (tls == null
                      ? builder.usePlaintext()
                      : builder
                          .sslContext(tls.clientContext())
                          .overrideAuthority(tls.host() + ":" + port))
                  .build();
        }
        open = channel;
      }
    }
    return open;
  }

  private AuditServiceGrpc.AuditServiceStub stub(String token, TrailerCapture capture) {
    return AuditServiceGrpc.newStub(loopback())
        .withCallCredentials(bearer(token))
        .withInterceptors(capture);
  }

  /** One page of the auditor's records. */
  public Mono<Page> page(String token, QueryRecordsRequest request) {
    TrailerCapture capture = new TrailerCapture();
    return Mono.defer(() -> records(stub(token, capture), request, false).collectList())
        .map(records -> new Page(records, Withheld.of(capture.trailers)));
  }

  /**
   * Every record matching the request, at the pace the HTTP response is written; {@code withheld}
   * receives the guard's count once the stream has ended.
   */
  public Flux<QueryRecordsResponse> export(
      String token, QueryRecordsRequest request, java.util.function.Consumer<Withheld> withheld) {
    TrailerCapture capture = new TrailerCapture();
    return Flux.defer(() -> records(stub(token, capture), request, true))
        .doOnComplete(() -> withheld.accept(Withheld.of(capture.trailers)));
  }

  private static Flux<QueryRecordsResponse> records(
      AuditServiceGrpc.AuditServiceStub stub, QueryRecordsRequest request, boolean export) {
    return Flux.create(
        sink -> {
          java.util.concurrent.atomic.AtomicReference<ClientCallStreamObserver<QueryRecordsRequest>>
              started = new java.util.concurrent.atomic.AtomicReference<>();
          ClientResponseObserver<QueryRecordsRequest, QueryRecordsResponse> observer =
              new ClientResponseObserver<>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<QueryRecordsRequest> call) {
                  // the HTTP response's demand drives the gRPC stream: an export of millions is
                  // never all in memory
                  call.disableAutoRequestWithInitial(0);
                  started.set(call);
                }

                @Override
                public void onNext(QueryRecordsResponse value) {
                  sink.next(value);
                }

                @Override
                public void onError(Throwable t) {
                  sink.error(t);
                }

                @Override
                public void onCompleted() {
                  sink.complete();
                }
              };
          if (export) {
            stub.exportRecords(request, observer);
          } else {
            stub.queryRecords(request, observer);
          }
          // the call has started: demand may now be passed on
          ClientCallStreamObserver<QueryRecordsRequest> call = started.get();
          sink.onRequest(n -> call.request(n >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) n));
          sink.onCancel(() -> call.cancel("the HTTP client went away", null));
        },
        FluxSink.OverflowStrategy.BUFFER);
  }

  /** A unary call of the auditors' API. */
  public <Q, R> Mono<R> unary(String token, Q request, UnaryCall<Q, R> call) {
    return Mono.defer(
        () ->
            Mono.<R>create(
                sink ->
                    call.call(
                        stub(token, new TrailerCapture()).withDeadlineAfter(5, TimeUnit.MINUTES),
                        request,
                        new StreamObserver<R>() {
                          @Override
                          public void onNext(R value) {
                            sink.success(value);
                          }

                          @Override
                          public void onError(Throwable t) {
                            sink.error(t);
                          }

                          @Override
                          public void onCompleted() {
                            sink.success();
                          }
                        })));
  }

  /** A unary method of the async stub, e.g. {@code AuditServiceStub::verifyChain}. */
  @FunctionalInterface
  public interface UnaryCall<Q, R> {
    void call(AuditServiceGrpc.AuditServiceStub stub, Q request, StreamObserver<R> responses);
  }

  @Override
  public void close() {
    ManagedChannel open = channel;
    if (open != null) {
      open.shutdownNow();
    }
  }

  private static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo info, Executor executor, MetadataApplier applier) {
        applier.apply(AlliedMetadata.withBearer(token));
      }
    };
  }

  /** Keeps a call's trailers, where the guard reports what it withheld. */
  private static final class TrailerCapture implements ClientInterceptor {
    volatile Metadata trailers;

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, Metadata closing) {
                  trailers = closing;
                  super.onClose(status, closing);
                }
              },
              headers);
        }
      };
    }
  }
}
