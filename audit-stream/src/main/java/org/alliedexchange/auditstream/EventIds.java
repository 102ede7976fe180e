package org.alliedexchange.auditstream;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids of audit events written once per message (the gateway's transfers, an exchange service's
 * served and withheld products). {@code UUID.randomUUID} draws from one SecureRandom behind one
 * lock, which every delivery thread would queue on; these ids need to be unique, not secret.
 */
public final class EventIds {

  private EventIds() {}

  /**
   * A UUID version 7: time-ordered, so records index well; 74 random bits from the thread's own
   * generator keep it unique.
   */
  public static String next(Instant now) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long millis = now.toEpochMilli();
    long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }
}
