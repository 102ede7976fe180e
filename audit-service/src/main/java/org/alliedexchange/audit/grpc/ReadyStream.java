package org.alliedexchange.audit.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Duration;

/**
 * Writes a server stream from a thread of its own, at the pace the caller reads: {@link #send}
 * waits while the transport's buffer is full instead of queueing a whole export in memory.
 * Registered before the handler returns, so gRPC's on-ready and cancel callbacks (which run on the
 * call's executor) reach the writing thread.
 */
final class ReadyStream<T> {

  private final ServerCallStreamObserver<T> observer;
  private final Duration stallLimit;
  private final Object lock = new Object();
  private volatile boolean cancelled;

  ReadyStream(ServerCallStreamObserver<T> observer, Duration stallLimit) {
    this.observer = observer;
    this.stallLimit = stallLimit;
    observer.setOnReadyHandler(this::wake);
    observer.setOnCancelHandler(
        () -> {
          cancelled = true;
          wake();
        });
  }

  /** Sends one message once the caller can take it; false when the call was cancelled. */
  boolean send(T message) {
    long deadline = System.nanoTime() + stallLimit.toNanos();
    synchronized (lock) {
      while (!cancelled && !observer.isReady()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw Status.DEADLINE_EXCEEDED
              .withDescription(
                  "the caller read nothing for " + stallLimit + "; the stream is ended")
              .asRuntimeException();
        }
        try {
          lock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw Status.CANCELLED
              .withDescription("the audit service is stopping")
              .asRuntimeException();
        }
      }
    }
    if (cancelled) {
      return false;
    }
    observer.onNext(message);
    return true;
  }

  boolean cancelled() {
    return cancelled;
  }

  private void wake() {
    synchronized (lock) {
      lock.notifyAll();
    }
  }
}
