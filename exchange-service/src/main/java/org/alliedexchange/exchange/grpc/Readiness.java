package org.alliedexchange.exchange.grpc;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

/** Blocks a streaming handler until the client can take more, so a slow client never makes the server buffer. */
final class Readiness {

  private final ServerCallStreamObserver<?> stream;
  private final Object monitor = new Object();

  Readiness(ServerCallStreamObserver<?> stream) {
    this.stream = stream;
    Runnable wake = () -> {
      synchronized (monitor) {
        monitor.notifyAll();
      }
    };
    stream.setOnReadyHandler(wake);
    stream.setOnCancelHandler(wake);
  }

  /** Returns when the stream is ready; throws CANCELLED when the call ended (deadline or client gone). */
  void await() {
    synchronized (monitor) {
      while (!stream.isReady()) {
        if (stream.isCancelled() || Context.current().isCancelled()) {
          throw Status.CANCELLED.withDescription("the call ended before the stream finished").asRuntimeException();
        }
        try {
          monitor.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
      }
    }
  }
}
