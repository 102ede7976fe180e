package org.alliedexchange.client;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;

/**
 * A Subscribe that outlives its tokens. The gateway ends a stream {@code UNAUTHENTICATED} when its
 * token expires or its system's identity changes, and {@code UNAVAILABLE} when it cannot vouch for
 * identities for a moment; the subscription then subscribes again, with a fresh token (the client
 * refreshes its {@link TokenSource} on every {@code UNAUTHENTICATED}), from the cursor of the last
 * product it delivered, so the observer misses nothing and sees nothing twice. It gives up, passing
 * the last error on, after {@value #MAX_ATTEMPTS} resumptions in a row that delivered nothing and
 * lasted less than {@link #SETTLED} (a disabled system gets no fresh token).
 */
public final class ResumingSubscription implements AutoCloseable {

  static final int MAX_ATTEMPTS = 5;
  static final Duration SETTLED = Duration.ofSeconds(10);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(4);

  private final Supplier<ExchangeServiceGrpc.ExchangeServiceStub> stub;
  private final ScheduledExecutorService timer;
  private final SubscribeRequest request;
  private final StreamObserver<SubscribeResponse> observer;
  private volatile String cursor;
  private volatile boolean closed;
  private volatile ClientCallStreamObserver<SubscribeRequest> current;
  private int failures;
  private long startedNanos;

  ResumingSubscription(
      Supplier<ExchangeServiceGrpc.ExchangeServiceStub> stub,
      ScheduledExecutorService timer,
      SubscribeRequest request,
      StreamObserver<SubscribeResponse> observer) {
    this.stub = stub;
    this.timer = timer;
    this.request = request;
    this.observer = observer;
    this.cursor = request.getFromCursor().isEmpty() ? null : request.getFromCursor();
  }

  /** The cursor of the last product delivered (or the one asked for), null before any. */
  public String cursor() {
    return cursor;
  }

  void start() {
    if (closed) {
      return;
    }
    startedNanos = System.nanoTime();
    SubscribeRequest from =
        cursor == null ? request : request.toBuilder().setFromCursor(cursor).build();
    stub.get().subscribe(from, new Attempt());
  }

  private final class Attempt
      implements ClientResponseObserver<SubscribeRequest, SubscribeResponse> {

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
      current = requestStream;
    }

    @Override
    public void onNext(SubscribeResponse response) {
      if (!response.getCursor().isEmpty()) {
        cursor = response.getCursor();
      }
      failures = 0;
      observer.onNext(response);
    }

    @Override
    public void onError(Throwable error) {
      if (closed) {
        return;
      }
      Status.Code code = Status.fromThrowable(error).getCode();
      if (System.nanoTime() - startedNanos > SETTLED.toNanos()) {
        failures = 0;
      }
      boolean resumable = code == Status.Code.UNAUTHENTICATED || code == Status.Code.UNAVAILABLE;
      if (!resumable || failures >= MAX_ATTEMPTS) {
        observer.onError(error);
        return;
      }
      long delay =
          failures == 0
              ? 0
              : Math.min(FIRST_BACKOFF.toMillis() << (failures - 1), MAX_BACKOFF.toMillis());
      failures++;
      timer.schedule(ResumingSubscription.this::start, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onCompleted() {
      if (!closed) {
        observer.onCompleted();
      }
    }
  }

  /** Ends the subscription; the observer hears nothing more. */
  @Override
  public void close() {
    closed = true;
    ClientCallStreamObserver<SubscribeRequest> call = current;
    if (call != null) {
      call.cancel("closed by the subscriber", null);
    }
  }
}
