package org.alliedexchange.hotline.audit;

import java.time.Clock;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.label.WireMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the node's steps to the audit stream, each durably before the step takes effect: when the
 * stream cannot take one, {@link Unavailable} is thrown and the step is not taken.
 */
public final class HotlineAudit {

  private static final Logger log = LoggerFactory.getLogger(HotlineAudit.class);

  private final AuditStreamWriter writer;
  private final String nation;
  private final Clock clock;

  public HotlineAudit(AuditStreamWriter writer, String nation, Clock clock) {
    this.writer = writer;
    this.nation = nation;
    this.clock = clock;
  }

  /** The audit stream did not take a record; nothing was done. */
  public static final class Unavailable extends RuntimeException {
    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Records one step of this node (its {@code node} is set here when empty). */
  public void record(HotlineEvent event) {
    HotlineEvent hotline =
        event.getNode().isEmpty() ? event.toBuilder().setNode(nation).build() : event;
    AuditEvent record =
        AuditEvent.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setOccurredAt(WireMapping.timestamp(clock.instant()))
            .setSource("hotline-service/" + nation)
            .setHotline(hotline)
            .build();
    try {
      writer.append(record);
    } catch (RuntimeException e) {
      log.warn(
          "the audit stream did not take a hotline {} record: {}", hotline.getKind(), e.toString());
      throw new Unavailable(
          "the audit stream cannot take the record of this step ("
              + e.getMessage()
              + "): nothing was done, retry",
          e);
    }
  }
}
