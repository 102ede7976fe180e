package org.alliedexchange.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.gateway.ratelimit.RateLimiter.Outcome;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** The rate limiter over a shared count kept in memory, as the Lua script keeps it in Redis. */
class RateLimiterTest {

  /** The lease script's rule: grant min(want, limit - used) from the window's count. */
  static final class MemoryCount implements RateLimiter.SharedCount {
    final Map<String, Integer> used = new ConcurrentHashMap<>();
    final List<String> leases = new CopyOnWriteArrayList<>();

    @Override
    public synchronized long lease(String window, int limit, int want) {
      leases.add(window);
      int grant = Math.min(want, limit - used.getOrDefault(window, 0));
      if (grant <= 0) {
        return 0;
      }
      used.merge(window, grant, Integer::sum);
      return grant;
    }
  }

  /** A clock the test moves. */
  static final class TestClock extends Clock {
    volatile long millis = 1_700_000_000_000L;

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private final MemoryCount count = new MemoryCount();
  private final TestClock clock = new TestClock();

  @Test
  void callsOverTheLimitInOneSecondAreLimited() throws Exception {
    try (RateLimiter limiter = new RateLimiter(count, system -> 10, clock)) {
      assertThat(outcomes(limiter, "usa-limited", 12))
          .containsExactly(
              Outcome.ALLOWED,
              Outcome.ALLOWED,
              Outcome.ALLOWED,
              Outcome.ALLOWED,
              Outcome.ALLOWED,
              Outcome.ALLOWED,
              Outcome.ALLOWED,
              Outcome.ALLOWED,
              Outcome.ALLOWED,
              Outcome.ALLOWED,
              Outcome.LIMITED,
              Outcome.LIMITED);
      assertThat(limiter.limitFor("usa-limited")).isEqualTo(10);
    }
  }

  @Test
  void eachSecondIsAWindowOfItsOwn() throws Exception {
    try (RateLimiter limiter = new RateLimiter(count, system -> 2, clock)) {
      clock.millis = 1_700_000_000_999L;
      assertThat(outcomes(limiter, "usa-limited", 3))
          .containsExactly(Outcome.ALLOWED, Outcome.ALLOWED, Outcome.LIMITED);
      clock.millis = 1_700_000_001_000L;
      assertThat(outcomes(limiter, "usa-limited", 3))
          .containsExactly(Outcome.ALLOWED, Outcome.ALLOWED, Outcome.LIMITED);
      assertThat(count.used)
          .containsOnlyKeys(
              "allied:rate:usa-limited:1700000000", "allied:rate:usa-limited:1700000001");
    }
  }

  @Test
  void eachSystemHasItsOwnBudget() throws Exception {
    try (RateLimiter limiter =
        new RateLimiter(count, system -> system.equals("busy") ? 3 : 1, clock)) {
      assertThat(outcomes(limiter, "busy", 4))
          .containsExactly(Outcome.ALLOWED, Outcome.ALLOWED, Outcome.ALLOWED, Outcome.LIMITED);
      assertThat(outcomes(limiter, "quiet", 2)).containsExactly(Outcome.ALLOWED, Outcome.LIMITED);
    }
  }

  @Test
  void aReplicaLeasesATenthOfTheLimitAndSpendsItWithoutAskingAgain() throws Exception {
    try (RateLimiter limiter = new RateLimiter(count, system -> 100, clock)) {
      assertThat(outcomes(limiter, "usa-reader", 10)).containsOnly(Outcome.ALLOWED);
      assertThat(count.leases).hasSize(1);
      assertThat(outcomes(limiter, "usa-reader", 1)).containsOnly(Outcome.ALLOWED);
      assertThat(count.leases).hasSize(2);
    }
  }

  @Test
  void replicasSharingTheCountTogetherStayWithinTheLimit() throws Exception {
    try (RateLimiter first = new RateLimiter(count, system -> 10, clock);
        RateLimiter second = new RateLimiter(count, system -> 10, clock)) {
      List<Outcome> all = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        all.add((i % 2 == 0 ? first : second).acquire("usa-limited").get(5, TimeUnit.SECONDS));
      }
      assertThat(all).filteredOn(o -> o == Outcome.ALLOWED).hasSize(10);
    }
  }

  @Test
  void aCountThatCannotBeAskedFailsTheCallInsteadOfLettingItThrough() throws Exception {
    RateLimiter.SharedCount down =
        (window, limit, want) -> {
          throw new JedisConnectionException("Failed to connect to 127.0.0.1:6379");
        };
    try (RateLimiter limiter = new RateLimiter(down, system -> 10, clock)) {
      assertThatThrownBy(() -> limiter.acquire("usa-limited").get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasRootCauseInstanceOf(JedisConnectionException.class)
          .hasRootCauseMessage("Failed to connect to 127.0.0.1:6379");
      // nothing was granted, so the next call asks again, and fails again
      assertThatThrownBy(() -> limiter.acquire("usa-limited").get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
    }
  }

  private static List<Outcome> outcomes(RateLimiter limiter, String system, int calls)
      throws Exception {
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      outcomes.add(limiter.acquire(system).get(5, TimeUnit.SECONDS));
    }
    return outcomes;
  }
}
