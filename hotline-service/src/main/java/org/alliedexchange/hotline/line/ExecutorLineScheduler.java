package org.alliedexchange.hotline.line;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The line's work on daemon threads, each task at a fixed delay after its last run. */
public final class ExecutorLineScheduler implements LineScheduler {

  private static final Logger LOG = LoggerFactory.getLogger(ExecutorLineScheduler.class);

  private final ScheduledExecutorService executor;

  /**
   * @param threads how many tasks may run at once (a probe per peer and the tick)
   */
  public ExecutorLineScheduler(int threads) {
    AtomicInteger count = new AtomicInteger();
    this.executor =
        Executors.newScheduledThreadPool(
            threads,
            runnable -> {
              Thread thread = new Thread(runnable, "hotline-line-" + count.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  @Override
  public void every(Duration period, String name, Runnable task) {
    long millis = period.toMillis();
    executor.scheduleWithFixedDelay(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            // a failed step (e.g. the audit stream down) is tried again next time
            LOG.warn("line task {} failed: {}", name, e.toString());
          }
        },
        millis,
        millis,
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
