package org.alliedexchange.gateway.hotline;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;
import org.alliedexchange.api.hotline.v1.ListConferencesRequest;
import org.alliedexchange.api.hotline.v1.ListConferencesResponse;
import org.alliedexchange.api.hotline.v1.WatchRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

/**
 * The HotlineService as the hotline page's API reaches it: through this gateway's own port, with
 * the person's token and their nation in {@code allied-nation}, so the access filter, the guard
 * (which decides and re-marks every message shown) and the audit treat the page exactly as a gRPC
 * client. There is one guarded path, not two.
 */
public final class HotlineCalls {

  /** How long a unary call may take; a node that does not answer is a 504, not a held page. */
  static final long UNARY_SECONDS = 30;

  private final Supplier<Channel> gateway;

  /**
   * @param gateway the channel to this gateway's own port (opened on first use)
   */
  public HotlineCalls(Supplier<Channel> gateway) {
    this.gateway = gateway;
  }

  private HotlineServiceGrpc.HotlineServiceStub stub(Person person) {
    return HotlineServiceGrpc.newStub(gateway.get()).withCallCredentials(credentials(person));
  }

  /** The conferences the person is a member of. */
  public Mono<List<ListConferencesResponse>> conferences(Person person) {
    return this.<ListConferencesResponse>stream(
            (stub, observer) ->
                stub.withDeadlineAfter(UNARY_SECONDS, TimeUnit.SECONDS)
                    .listConferences(ListConferencesRequest.getDefaultInstance(), observer),
            person)
        .collectList();
  }

  /** A conference's events as they happen, at the pace the page reads them. */
  public Flux<WatchResponse> watch(Person person, WatchRequest request) {
    return this.<WatchResponse>stream((stub, observer) -> stub.watch(request, observer), person);
  }

  /** A unary method of the async stub, e.g. {@code HotlineServiceStub::acknowledge}. */
  public <Q, R> Mono<R> unary(Person person, Q request, UnaryCall<Q, R> call) {
    return Mono.defer(
        () ->
            Mono.<R>create(
                sink ->
                    call.call(
                        stub(person).withDeadlineAfter(UNARY_SECONDS, TimeUnit.SECONDS),
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

  @FunctionalInterface
  public interface UnaryCall<Q, R> {
    void call(HotlineServiceGrpc.HotlineServiceStub stub, Q request, StreamObserver<R> responses);
  }

  @FunctionalInterface
  private interface StreamCall<R> {
    void call(HotlineServiceGrpc.HotlineServiceStub stub, ClientResponseObserver<Object, R> out);
  }

  private <R> Flux<R> stream(StreamCall<R> start, Person person) {
    return Flux.defer(
        () ->
            Flux.<R>create(
                sink -> {
                  AtomicReference<ClientCallStreamObserver<Object>> started =
                      new AtomicReference<>();
                  ClientResponseObserver<Object, R> observer =
                      new ClientResponseObserver<>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<Object> call) {
                          // the page's demand drives the stream: a slow browser holds the node
                          // back instead of filling the gateway's memory
                          call.disableAutoRequestWithInitial(0);
                          started.set(call);
                        }

                        @Override
                        public void onNext(R value) {
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
                  start.call(stub(person), observer);
                  ClientCallStreamObserver<Object> call = started.get();
                  sink.onRequest(
                      n -> call.request(n >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) n));
                  sink.onCancel(() -> call.cancel("the page went away", null));
                },
                FluxSink.OverflowStrategy.BUFFER));
  }

  private static CallCredentials credentials(Person person) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata headers = AlliedMetadata.withBearer(person.token());
        if (HotlineRequests.isNation(person.nation())) {
          headers.put(AlliedMetadata.NATION, person.nation());
        }
        applier.apply(headers);
      }
    };
  }
}
