package org.alliedexchange.hotline.line;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A clock and a scheduler that move only when a test says so: no test sleeps. */
final class FakeTime extends Clock implements LineScheduler {

  private Instant now;
  private final List<Task> tasks = new ArrayList<>();
  private boolean closed;

  FakeTime(Instant start) {
    this.now = start;
  }

  /** Moves the clock on, running every task that falls due on the way, in time order. */
  void advance(Duration by) {
    Instant target = now.plus(by);
    while (!closed) {
      Task next =
          tasks.stream()
              .filter(t -> !t.nextAt.isAfter(target))
              .min(Comparator.comparing((Task t) -> t.nextAt).thenComparing(t -> t.order))
              .orElse(null);
      if (next == null) {
        break;
      }
      now = next.nextAt;
      next.nextAt = next.nextAt.plus(next.period);
      try {
        next.task.run();
      } catch (RuntimeException e) {
        // as the executor scheduler: a failed run is tried again next time
      }
    }
    now = target;
  }

  @Override
  public void every(Duration period, String name, Runnable task) {
    tasks.add(new Task(period, task, now.plus(period), tasks.size()));
  }

  @Override
  public void close() {
    closed = true;
    tasks.clear();
  }

  /** A new scheduler on the same clock, as a restarted node gets. */
  void reopen() {
    closed = false;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  private static final class Task {
    final Duration period;
    final Runnable task;
    final int order;
    Instant nextAt;

    Task(Duration period, Runnable task, Instant nextAt, int order) {
      this.period = period;
      this.task = task;
      this.nextAt = nextAt;
      this.order = order;
    }
  }
}
