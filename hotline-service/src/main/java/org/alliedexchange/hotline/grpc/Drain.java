package org.alliedexchange.hotline.grpc;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a stream's drain on an executor, one run at a time: a signal while it runs makes it run once
 * more, so nothing signalled is left waiting and no two threads write the same stream.
 */
public final class Drain {

  private final Executor executor;
  private final Runnable drain;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean pending = new AtomicBoolean();

  public Drain(Executor executor, Runnable drain) {
    this.executor = executor;
    this.drain = drain;
  }

  public void signal() {
    pending.set(true);
    if (running.compareAndSet(false, true)) {
      executor.execute(this::run);
    }
  }

  private void run() {
    do {
      pending.set(false);
      try {
        drain.run();
      } finally {
        running.set(false);
      }
    } while (pending.get() && running.compareAndSet(false, true));
  }
}
