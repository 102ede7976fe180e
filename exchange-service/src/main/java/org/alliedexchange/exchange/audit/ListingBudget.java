package org.alliedexchange.exchange.audit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How many withheld rows' product ids the summaries of each caller's reads may list: a token bucket
 * per national system, refilled at {@code perSecond} and holding a minute's worth. Each withheld
 * row is always counted and in its summary's digest; its id is listed only while its caller's
 * budget lasts. So an auditor finds any refusal by its product id, while a system that searches
 * again and again through rows it may not have cannot make the append-only log grow faster than the
 * budget (about 140 bytes a listed id with its index row): its further rows are counted, not
 * listed.
 */
public final class ListingBudget {

  private final double perSecond;
  private final double burst;
  private final LongSupplier nanos;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  /**
   * @param perSecond ids each system's summaries may list per second, on average
   */
  public ListingBudget(int perSecond) {
    this(perSecond, System::nanoTime);
  }

  ListingBudget(int perSecond, LongSupplier nanos) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("a listing budget lists at least one id a second");
    }
    this.perSecond = perSecond;
    this.burst = 60.0 * perSecond;
    this.nanos = nanos;
  }

  /** Whether one more withheld row of {@code system}'s may have its id listed; spends it if so. */
  public boolean take(String system) {
    Bucket bucket = buckets.computeIfAbsent(system, s -> new Bucket(burst, nanos.getAsLong()));
    synchronized (bucket) {
      // read under the lock, so a racing thread never moves the bucket's time backwards
      long now = nanos.getAsLong();
      bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / 1e9 * perSecond);
      bucket.at = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return true;
      }
      return false;
    }
  }
}
