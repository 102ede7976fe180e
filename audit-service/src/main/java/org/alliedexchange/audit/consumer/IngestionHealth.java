package org.alliedexchange.audit.consumer;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Whether audit ingestion is sound, as the audit service's gRPC health reports it under {@link
 * #SERVICE}: NOT_SERVING while the consumer keeps failing or while any dead letter waits for review
 * (a dead letter is an alarm: something released was not logged as written). The whole server's
 * health ("") stays SERVING, since auditors can still read and the consumer goes on.
 */
public final class IngestionHealth {

  /** The name ingestion's health is reported under, next to the server's own (""). */
  public static final String SERVICE = "allied.audit.v1.AuditIngestion";

  private final Consumer<Boolean> report;
  private final AtomicLong deadLettered = new AtomicLong();
  private volatile long unreviewed;
  private volatile String failure;

  /**
   * @param report told whether ingestion is sound each time that may have changed
   */
  public IngestionHealth(Consumer<Boolean> report) {
    this.report = report;
  }

  /** Events dead-lettered since the service started: the counter of dead letters. */
  public long deadLetteredSinceStart() {
    return deadLettered.get();
  }

  /** Dead letters in the database no one has marked reviewed, as last counted. */
  public long unreviewedDeadLetters() {
    return unreviewed;
  }

  /** Why the last round of consuming failed, or null when it succeeded. */
  public String failure() {
    return failure;
  }

  public boolean sound() {
    return failure == null && unreviewed == 0;
  }

  void deadLettered(int count) {
    deadLettered.addAndGet(count);
  }

  void unreviewed(long count) {
    unreviewed = count;
    report.accept(sound());
  }

  void failed(String why) {
    failure = why == null ? "unknown" : why;
    report.accept(false);
  }

  void consumed() {
    if (failure != null) {
      failure = null;
      report.accept(sound());
    }
  }
}
