package org.alliedexchange.audit.store;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.TransferRecord;

/**
 * The per-day transfer and refusal counts of one append transaction, added to the rollup tables
 * with it.
 */
final class Rollups {

  private record TransferKey(
      String relationship,
      LocalDate day,
      String originator,
      String recipient,
      int level,
      int decision) {}

  private record RefusalKey(
      String relationship, LocalDate day, String originator, String recipient, int reason) {}

  private final Map<TransferKey, Long> transfers = new HashMap<>();
  private final Map<RefusalKey, Long> refusals = new HashMap<>();

  /**
   * @param level the product's common level (ClassificationLevel number), read from its level or
   *     its marking
   */
  void count(String relationship, AuditEvent event, int level) {
    if (!event.hasTransfer()) {
      return;
    }
    TransferRecord transfer = event.getTransfer();
    LocalDate day =
        LocalDate.ofInstant(
            event.hasOccurredAt()
                ? Instant.ofEpochSecond(event.getOccurredAt().getSeconds())
                : Instant.now(),
            ZoneOffset.UTC);
    // a summary of withheld rows counts every row it stands for
    long rows = Math.max(1L, Integer.toUnsignedLong(transfer.getWithheldCount()));
    String originator =
        transfer.getLabel().getOriginator().isEmpty()
            ? transfer.getSourceNation()
            : transfer.getLabel().getOriginator();
    transfers.merge(
        new TransferKey(
            relationship,
            day,
            originator,
            transfer.getRecipientNation(),
            level,
            transfer.getDecisionValue()),
        rows,
        Long::sum);
    List<DenyReason> reasons = transfer.getReasonsList();
    for (int i = 0; i < reasons.size(); i++) {
      refusals.merge(
          new RefusalKey(
              relationship,
              day,
              originator,
              transfer.getRecipientNation(),
              transfer.getReasonsValue(i)),
          rows,
          Long::sum);
    }
  }

  void save(Connection connection) throws SQLException {
    try (PreparedStatement upsert =
        connection.prepareStatement(
            """
        INSERT INTO transfer_rollup (relationship, day, originator, recipient, level, decision, count) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (relationship, day, originator, recipient, level, decision) DO UPDATE SET count = transfer_rollup.count + EXCLUDED.count""")) {
      for (Map.Entry<TransferKey, Long> entry : transfers.entrySet()) {
        TransferKey key = entry.getKey();
        upsert.setString(1, key.relationship());
        upsert.setDate(2, Date.valueOf(key.day()));
        upsert.setString(3, key.originator());
        upsert.setString(4, key.recipient());
        upsert.setShort(5, (short) key.level());
        upsert.setShort(6, (short) key.decision());
        upsert.setLong(7, entry.getValue());
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
    try (PreparedStatement upsert =
        connection.prepareStatement(
            """
        INSERT INTO refusal_rollup (relationship, day, originator, recipient, reason, count) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (relationship, day, originator, recipient, reason) DO UPDATE SET count = refusal_rollup.count + EXCLUDED.count""")) {
      for (Map.Entry<RefusalKey, Long> entry : refusals.entrySet()) {
        RefusalKey key = entry.getKey();
        upsert.setString(1, key.relationship());
        upsert.setDate(2, Date.valueOf(key.day()));
        upsert.setString(3, key.originator());
        upsert.setString(4, key.recipient());
        upsert.setShort(5, (short) key.reason());
        upsert.setLong(6, entry.getValue());
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
  }
}
