package org.alliedexchange.gateway.guard;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** The gateway's transfer ids: one per decision, also the id of its audit event. */
final class TransferIds {

  private TransferIds() {}

  /**
   * A UUID version 7: time-ordered, so transfer records index well; 74 random bits keep it unique.
   */
  static String next(Instant now) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long millis = now.toEpochMilli();
    long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }
}
