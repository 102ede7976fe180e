package org.alliedexchange.hotline.line;

import java.time.Duration;

/**
 * Runs the line's periodic work. Production runs it on threads ({@link ExecutorLineScheduler});
 * tests run it by moving a fake clock, so no test sleeps.
 */
public interface LineScheduler extends AutoCloseable {

  /**
   * Runs {@code task} every {@code period}, the first time one period from now. A task that throws
   * is logged and runs again at its next time.
   */
  void every(Duration period, String name, Runnable task);

  /** Stops every task; a running one finishes. */
  @Override
  void close();
}
