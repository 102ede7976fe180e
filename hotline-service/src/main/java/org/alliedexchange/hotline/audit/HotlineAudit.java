package org.alliedexchange.hotline.audit;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.label.WireMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the node's steps to the audit stream, each durably before the step takes effect: when the
 * stream cannot take them, {@link Unavailable} is thrown and the step is not taken. The events of
 * one step go in one group, and concurrent steps share a round trip and an fsync.
 */
public final class HotlineAudit {

  private static final Logger log = LoggerFactory.getLogger(HotlineAudit.class);

  private final AuditBatchWriter writer;
  private final String nation;
  private final Clock clock;
  private final Duration timeout;

  public HotlineAudit(AuditBatchWriter writer, String nation, Clock clock, Duration timeout) {
    this.writer = writer;
    this.nation = nation;
    this.clock = clock;
    this.timeout = timeout;
  }

  /** The audit stream did not take a record; nothing was done. */
  public static final class Unavailable extends RuntimeException {
    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Records one step of this node (its {@code node} is set here when empty). */
  public void record(HotlineEvent event) {
    recordAll(List.of(event));
  }

  /** Records these steps together; returns once the stream holds all of them. */
  public void recordAll(List<HotlineEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    List<AuditEvent> records = new ArrayList<>(events.size());
    for (HotlineEvent event : events) {
      HotlineEvent hotline =
          event.getNode().isEmpty() ? event.toBuilder().setNode(nation).build() : event;
      records.add(
          AuditEvent.newBuilder()
              .setEventId(UUID.randomUUID().toString())
              .setOccurredAt(WireMapping.timestamp(clock.instant()))
              .setSource("hotline-service/" + nation)
              .setHotline(hotline)
              .build());
    }
    try {
      writer.append(records).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw unavailable(e.getCause() == null ? e : e.getCause());
    } catch (TimeoutException | RuntimeException e) {
      throw unavailable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable(e);
    }
  }

  private Unavailable unavailable(Throwable e) {
    log.warn("the audit stream did not take hotline records: {}", e.toString());
    return new Unavailable(
        "the audit stream cannot take the record of this step ("
            + e.getMessage()
            + "): nothing was done, retry",
        e);
  }
}
