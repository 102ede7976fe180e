package org.alliedexchange.client;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * At most {@code permits} asynchronous tasks running at once, the rest started in arrival order as
 * the running ones finish. Unlike a semaphore, a task waiting its turn holds no thread: a thousand
 * streams resumed at once when their tokens expire wait as a thousand queue entries, not a thousand
 * parked threads.
 */
final class AsyncLimit {

  private record Waiting<T>(Supplier<CompletableFuture<T>> task, CompletableFuture<T> result) {}

  private final int permits;
  private final Queue<Waiting<?>> waiting = new ArrayDeque<>();
  private int running;

  AsyncLimit(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("at least one task must be able to run");
    }
    this.permits = permits;
  }

  /** Starts {@code task} now or when a running one finishes; its result, either way. */
  <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Waiting<T> entry = new Waiting<>(task, result);
    synchronized (this) {
      if (running >= permits) {
        waiting.add(entry);
        return result;
      }
      running++;
    }
    start(entry);
    return result;
  }

  /** Tasks waiting their turn (for tests and diagnostics). */
  synchronized int waiting() {
    return waiting.size();
  }

  /**
   * Starts {@code first}, and after it every waiting task whose start finished at once (a refusal
   * before any I/O), in a loop rather than by recursion, so a long queue cannot overflow the stack.
   */
  private void start(Waiting<?> first) {
    for (Waiting<?> entry = first; entry != null; ) {
      CompletableFuture<?> started = launch(entry);
      if (!started.isDone()) {
        Waiting<?> running = entry;
        started.whenComplete(
            (value, failure) -> {
              // the next one starts before this result is passed on, so a slow consumer of the
              // result never holds the queue
              Waiting<?> next = next();
              pass(running, started);
              if (next != null) {
                start(next);
              }
            });
        return;
      }
      pass(entry, started);
      entry = next();
    }
  }

  private static <T> CompletableFuture<T> launch(Waiting<T> entry) {
    try {
      CompletableFuture<T> started = entry.task().get();
      return started != null
          ? started
          : CompletableFuture.failedFuture(new IllegalStateException("the task started nothing"));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void pass(Waiting<T> entry, CompletableFuture<?> finished) {
    ((CompletableFuture<T>) finished)
        .whenComplete(
            (value, failure) -> {
              if (failure != null) {
                entry.result().completeExceptionally(failure);
              } else {
                entry.result().complete(value);
              }
            });
  }

  /** The next waiting task, now counted as running; null (and one fewer running) when none. */
  private synchronized Waiting<?> next() {
    Waiting<?> next = waiting.poll();
    if (next == null) {
      running--;
    }
    return next;
  }

  /** What a future failed with: the cause a dependent stage's {@code CompletionException} wraps. */
  static Throwable cause(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }
}
