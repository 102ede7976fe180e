package org.alliedexchange.auditstream;

import java.time.Duration;

/**
 * When a record counts as durable, so its writer may let go of what it describes (ADR
 * 2026-11-27-audit-durability-fsync-or-replica).
 *
 * <p>{@link Mode#FSYNC}: once the primary Redis has taken it; the federation's Redis runs {@code
 * appendfsync always}, so the record is on the primary's disk. {@link Mode#REPLICATED}: once {@code
 * replicas} replicas hold it too ({@code WAIT replicas waitTimeout} after the writes); the Redis
 * may then run {@code appendfsync everysec}. Fewer replicas within {@code waitTimeout} fail the
 * write: the record may be on the primary, but the caller releases nothing.
 *
 * @param mode which of the two
 * @param replicas how many replicas must acknowledge (REPLICATED only; at least 1)
 * @param waitTimeout how long to wait for them (REPLICATED only; more than zero)
 */
public record AuditDurability(Mode mode, int replicas, Duration waitTimeout) {

  /** The two ways a record becomes durable. */
  public enum Mode {
    /** Taken by the primary, which fsyncs every write. */
    FSYNC,
    /** Taken by the primary and acknowledged by replicas through {@code WAIT}. */
    REPLICATED
  }

  /** Taken by the primary Redis, which fsyncs every write: the default. */
  public static final AuditDurability FSYNC = new AuditDurability(Mode.FSYNC, 0, Duration.ZERO);

  public AuditDurability {
    if (mode == null) {
      throw new IllegalArgumentException("mode: fsync or replicated, not none");
    }
    if (mode == Mode.REPLICATED) {
      if (replicas < 1) {
        throw new IllegalArgumentException(
            "replicas: the replicated mode needs at least 1 replica to acknowledge, not "
                + replicas);
      }
      if (waitTimeout == null || waitTimeout.toMillis() < 1) {
        throw new IllegalArgumentException(
            "wait-timeout: the replicated mode waits at least 1ms for its replicas, not "
                + waitTimeout);
      }
    }
  }

  /** Acknowledged by {@code replicas} replicas within {@code waitTimeout}. */
  public static AuditDurability replicated(int replicas, Duration waitTimeout) {
    return new AuditDurability(Mode.REPLICATED, replicas, waitTimeout);
  }

  public boolean waitsForReplicas() {
    return mode == Mode.REPLICATED;
  }

  /**
   * Throws when {@code acknowledged}, what {@code WAIT} answered, is fewer replicas than required:
   * the entries may be on the primary, but they are not durable as configured.
   */
  void requireAcknowledged(long acknowledged) {
    if (acknowledged < replicas) {
      throw new IllegalStateException(
          acknowledged
              + " of the "
              + replicas
              + " replica(s) required acknowledged the audit record within "
              + waitTimeout.toMillis()
              + "ms");
    }
  }

  /** Throws unless the wait for replicas ends before a call's {@code timeout}. */
  void requireShorterThan(Duration timeout) {
    if (waitsForReplicas() && waitTimeout.compareTo(timeout) >= 0) {
      throw new IllegalArgumentException(
          "wait-timeout: the wait for replicas ("
              + waitTimeout.toMillis()
              + "ms) must be shorter than the writer's timeout ("
              + timeout.toMillis()
              + "ms)");
    }
  }

  @Override
  public String toString() {
    return waitsForReplicas()
        ? "replicated (" + replicas + " replica(s) within " + waitTimeout.toMillis() + "ms)"
        : "fsync";
  }
}
