package org.alliedexchange.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.gateway.ratelimit.RateLimiter.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The rate limiter's lease script in a real Redis: replicas share one count, and a Redis that is
 * gone refuses every call.
 */
class RateLimiterIT {

  // one second for every call, so the count is not split between windows by the test's own pace
  private final Clock sameSecond =
      Clock.fixed(Instant.parse("2026-01-01T00:00:00.250Z"), ZoneOffset.UTC);

  @Test
  void twoReplicasOverOneRedisTogetherAllowTheLimitAndNoMore(@TempDir Path dir) throws Exception {
    try (LocalRedis redis = LocalRedis.start(dir);
        RateLimiter first =
            new RateLimiter(redis.url(), Duration.ofSeconds(2), system -> 20, sameSecond);
        RateLimiter second =
            new RateLimiter(redis.url(), Duration.ofSeconds(2), system -> 20, sameSecond)) {
      List<Outcome> outcomes = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        outcomes.add((i % 2 == 0 ? first : second).acquire("usa-limited").get(5, TimeUnit.SECONDS));
      }
      assertThat(outcomes).filteredOn(o -> o == Outcome.ALLOWED).hasSize(20);
      assertThat(outcomes.subList(outcomes.size() - 10, outcomes.size()))
          .containsOnly(Outcome.LIMITED);
    }
  }

  @Test
  void aRedisThatHasStoppedFailsTheCallsClosedWithinTheTimeout(@TempDir Path dir) throws Exception {
    try (LocalRedis redis = LocalRedis.start(dir);
        RateLimiter limiter =
            new RateLimiter(redis.url(), Duration.ofMillis(500), system -> 10, sameSecond)) {
      assertThat(limiter.acquire("usa-reader").get(5, TimeUnit.SECONDS)).isEqualTo(Outcome.ALLOWED);
      redis.stop();

      // the lease taken before Redis stopped is spent locally; the next call must ask Redis, and
      // cannot
      List<Throwable> failures = new ArrayList<>();
      long started = System.nanoTime();
      for (int i = 0; i < 10 && failures.isEmpty(); i++) {
        try {
          limiter.acquire("usa-reader").get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        }
      }
      assertThat(failures).singleElement().isInstanceOf(JedisException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
      assertThatThrownBy(() -> limiter.acquire("usa-reader").get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
    }
  }
}
