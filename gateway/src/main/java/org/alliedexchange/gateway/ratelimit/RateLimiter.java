package org.alliedexchange.gateway.ratelimit;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.ToIntFunction;
import org.alliedexchange.auditstream.RedisConnections;
import redis.clients.jedis.RedisClient;

/**
 * Calls per second per national system, counted across every gateway replica in Redis.
 *
 * <p>Asking Redis on every call would add a round trip to each. Instead each replica leases a slice
 * of a system's budget for the current second (a tenth of it) with one atomic script and spends it
 * locally; it asks again when the slice is spent. Leases are taken from the shared count, so the
 * replicas together never exceed the limit; a slice left unspent when the second ends is lost, so a
 * system can fall a little short of its limit, never over it.
 */
public final class RateLimiter implements AutoCloseable {

  /** The answer for one call. */
  public enum Outcome {
    ALLOWED,
    LIMITED
  }

  private static final String KEY_PREFIX = "allied:rate:";
  // grants min(want, limit - used) from the second's shared count
  private static final byte[] LEASE_SCRIPT =
      ("local used = tonumber(redis.call('GET', KEYS[1]) or '0') "
              + "local grant = math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) - used) "
              + "if grant <= 0 then return 0 end "
              + "redis.call('INCRBY', KEYS[1], grant) redis.call('PEXPIRE', KEYS[1], 5000) return grant")
          .getBytes(StandardCharsets.UTF_8);

  /**
   * The count all replicas share: grants up to {@code want} more calls in {@code window}, at most
   * {@code limit} in all; throws when it cannot be asked.
   */
  @FunctionalInterface
  public interface SharedCount extends AutoCloseable {
    long lease(String window, int limit, int want);

    @Override
    default void close() {}
  }

  private final SharedCount shared;
  private final ToIntFunction<String> limitFor;
  private final Clock clock;
  private final ExecutorService leases =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread thread = new Thread(r, "rate-limit-lease");
            thread.setDaemon(true);
            return thread;
          });
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  /** One system's slice of the current second. */
  private static final class Window {
    long second = -1;
    int remaining;
    boolean exhausted;
    CompletableFuture<Void> leasing;
  }

  /**
   * @param timeout how long one lease may wait on Redis; past it the lease fails and the call is
   *     refused
   */
  public RateLimiter(URI redisUrl, Duration timeout, ToIntFunction<String> limitFor, Clock clock) {
    this(redis(RedisConnections.connect(redisUrl, timeout)), limitFor, clock);
  }

  public RateLimiter(SharedCount shared, ToIntFunction<String> limitFor, Clock clock) {
    this.shared = shared;
    this.limitFor = limitFor;
    this.clock = clock;
  }

  private static SharedCount redis(RedisClient redis) {
    return new SharedCount() {
      @Override
      public long lease(String window, int limit, int want) {
        Object granted =
            redis.eval(
                LEASE_SCRIPT,
                List.of(window.getBytes(StandardCharsets.UTF_8)),
                List.of(
                    Integer.toString(limit).getBytes(StandardCharsets.UTF_8),
                    Integer.toString(want).getBytes(StandardCharsets.UTF_8)));
        return granted instanceof Long value ? value : 0;
      }

      @Override
      public void close() {
        redis.close();
      }
    };
  }

  public int limitFor(String system) {
    return limitFor.applyAsInt(system);
  }

  /**
   * Takes one call from {@code system}'s budget: completes with the outcome, at once while the
   * local slice lasts; fails when Redis cannot be asked (the caller refuses the call).
   */
  public CompletableFuture<Outcome> acquire(String system) {
    Window window = windows.computeIfAbsent(system, s -> new Window());
    long second = clock.millis() / 1000;
    CompletableFuture<Void> lease;
    synchronized (window) {
      if (window.second != second) {
        window.second = second;
        window.remaining = 0;
        window.exhausted = false;
        window.leasing = null;
      }
      if (window.remaining > 0) {
        window.remaining--;
        return CompletableFuture.completedFuture(Outcome.ALLOWED);
      }
      if (window.exhausted) {
        return CompletableFuture.completedFuture(Outcome.LIMITED);
      }
      if (window.leasing == null) {
        window.leasing = CompletableFuture.runAsync(() -> lease(system, window, second), leases);
      }
      lease = window.leasing;
    }
    return lease.thenCompose(done -> acquire(system));
  }

  private void lease(String system, Window window, long second) {
    int limit = limitFor.applyAsInt(system);
    int slice = Math.max(1, limit / 10);
    long grant;
    try {
      grant = shared.lease(KEY_PREFIX + system + ":" + second, limit, slice);
    } finally {
      synchronized (window) {
        window.leasing = null;
      }
    }
    synchronized (window) {
      if (window.second == second) {
        if (grant > 0) {
          window.remaining += (int) grant;
        } else {
          window.exhausted = true;
        }
      }
    }
  }

  @Override
  public void close() {
    leases.shutdownNow();
    shared.close();
  }
}
