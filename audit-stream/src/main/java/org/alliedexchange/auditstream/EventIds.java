package org.alliedexchange.auditstream;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.UUID;

/**
 * Ids of audit events written once per message (the gateway's transfers, an exchange service's
 * served and withheld products). {@code UUID.randomUUID} draws from one SecureRandom behind one
 * lock, which every delivery thread would queue on; each thread here has a DRBG of its own. The ids
 * stay unpredictable: the audit log stores an id once per relationship, so a writer that could
 * guess the next id could write it first, and the real record would be dead-lettered (an alarm, but
 * not in its chain).
 */
public final class EventIds {

  private static final ThreadLocal<SecureRandom> RANDOM =
      ThreadLocal.withInitial(
          () -> {
            try {
              return SecureRandom.getInstance("DRBG");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("no DRBG SecureRandom in this JVM", e);
            }
          });

  private EventIds() {}

  /**
   * A UUID version 7: time-ordered, so records index well; 74 random bits from the thread's own
   * DRBG keep it unique and unguessable.
   */
  public static String next(Instant now) {
    SecureRandom random = RANDOM.get();
    long millis = now.toEpochMilli();
    long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }
}
