package org.alliedexchange.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class AsyncLimitTest {

  @Test
  void tasksBeyondTheLimitWaitAndStartInOrderAsOthersFinish() {
    AsyncLimit limit = new AsyncLimit(2);
    List<CompletableFuture<String>> started = new ArrayList<>();
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      results.add(
          limit.run(
              () -> {
                CompletableFuture<String> task = new CompletableFuture<>();
                started.add(task);
                return task;
              }));
    }
    assertThat(started).hasSize(2);
    assertThat(limit.waiting()).isEqualTo(3);

    started.get(1).complete("b");
    assertThat(results.get(1)).isCompletedWithValue("b");
    assertThat(started).hasSize(3);
    started.get(0).completeExceptionally(new IllegalStateException("refused"));
    assertThat(started).hasSize(4);
    assertThat(limit.waiting()).isEqualTo(1);

    ExecutionException failed = assertThrows(ExecutionException.class, results.get(0)::get);
    assertThat(failed.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("refused");
  }

  @Test
  void aLongQueueOfTasksThatFailAtOnceNeitherOverflowsTheStackNorLeaksAPermit() {
    AsyncLimit limit = new AsyncLimit(1);
    CompletableFuture<String> blocker = new CompletableFuture<>();
    limit.run(() -> blocker);
    List<CompletableFuture<String>> refused = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      refused.add(
          limit.run(
              () -> {
                throw new IllegalArgumentException("bad request");
              }));
    }

    blocker.complete("done");

    assertThat(refused).allMatch(CompletableFuture::isCompletedExceptionally);
    assertThat(limit.waiting()).isZero();
    // the permit came back: the next task starts at once
    assertThat(limit.run(() -> CompletableFuture.completedFuture("next")))
        .isCompletedWithValue("next");
  }
}
