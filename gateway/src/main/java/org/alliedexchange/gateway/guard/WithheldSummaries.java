package org.alliedexchange.gateway.guard;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.auditstream.CheckedEvent;
import org.alliedexchange.auditstream.EventIds;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.label.WithheldSummary;

/**
 * The rows one streaming call withheld, gathered into one summary record per group (originator,
 * level, reasons: what the compliance report counts by) instead of a record per row ({@link
 * WithheldSummary}, listing every row's product id). A group is summarized as soon as it is full
 * (its next row starts another), and written once full or after waiting long enough, riding with a
 * stretch's records, and whatever remains at the end of the call.
 */
final class WithheldSummaries {

  /** The summaries to write, and how many rows they stand for. */
  record Written(List<CheckedEvent> records, long rows) {}

  private record Group(CheckedEvent firstRecord, WithheldSummary rows) {}

  private final Map<String, Group> groups = new LinkedHashMap<>();
  // summaries that filled up within a stretch, written with its records
  private final List<CheckedEvent> filled = new ArrayList<>();
  private long filledRows;
  private long pendingRows;

  synchronized void add(MessageGuard.Verdict withheld, Instant now) {
    Group group =
        groups.computeIfAbsent(
            withheld.group(), key -> new Group(withheld.record(), new WithheldSummary(now)));
    group.rows().add(withheld.productId());
    pendingRows++;
    if (group.rows().full()) {
      // summarized now; the group's next row starts another summary
      groups.remove(withheld.group());
      filled.add(summary(group, now));
      filledRows += group.rows().rows();
    }
  }

  /** The summaries of the groups that are full or have waited long enough, taken out. */
  synchronized Written due(Instant now) {
    return take(now, false);
  }

  /** The summaries of every group still held, taken out: at the end of the call. */
  synchronized Written all(Instant now) {
    return take(now, true);
  }

  synchronized long pendingRows() {
    return pendingRows;
  }

  private Written take(Instant now, boolean everything) {
    if (groups.isEmpty() && filled.isEmpty()) {
      return new Written(List.of(), 0);
    }
    List<CheckedEvent> records = new ArrayList<>(filled);
    long rows = filledRows;
    filled.clear();
    filledRows = 0;
    for (Iterator<Group> it = groups.values().iterator(); it.hasNext(); ) {
      Group group = it.next();
      if (everything || group.rows().due(now)) {
        it.remove();
        records.add(summary(group, now));
        rows += group.rows().rows();
      }
    }
    pendingRows -= rows;
    return new Written(records, rows);
  }

  /** The group's first record as the event of its summary, with an id and time of its own. */
  private static CheckedEvent summary(Group group, Instant now) {
    AuditEvent first;
    try {
      first = AuditEvent.parseFrom(group.firstRecord().bytes());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the guard's own record did not parse", e);
    }
    String transferId = EventIds.next(now);
    return CheckedEvent.check(
        first.toBuilder()
            .setEventId(transferId)
            .setOccurredAt(WireMapping.timestamp(now))
            .setTransfer(group.rows().summarize(first.getTransfer(), transferId))
            .build()
            .toByteArray());
  }
}
