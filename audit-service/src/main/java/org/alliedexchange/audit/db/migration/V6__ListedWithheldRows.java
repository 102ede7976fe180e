package org.alliedexchange.audit.db.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Indexes the product ids listed by the summaries of withheld rows stored before {@code
 * withheld_row} existed (V5), so a search by product id finds them too. Those summaries list their
 * first 100 rows only; the rest of such a summary's rows are counted and in its digest, not listed.
 * Read from the records' own bytes, in the migration's transaction.
 */
public class V6__ListedWithheldRows extends BaseJavaMigration {

  @Override
  public void migrate(Context context) throws Exception {
    Connection connection = context.getConnection();
    try (PreparedStatement summaries =
            connection.prepareStatement(
                "SELECT relationship, sequence, event FROM audit_record"
                    + " WHERE event_type = 'transfer' AND decision = 2 AND product_id = ''");
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO withheld_row (product_id, relationship, sequence) VALUES (?, ?, ?)"
                    + " ON CONFLICT DO NOTHING")) {
      summaries.setFetchSize(1_000);
      try (ResultSet rows = summaries.executeQuery()) {
        int batched = 0;
        while (rows.next()) {
          AuditEvent event = parse(rows.getBytes(3));
          // its own statements, not the service's: a migration does what it did when it was written
          for (String productId : event.getTransfer().getWithheldProductIdsList()) {
            if (!productId.isEmpty()) {
              insert.setString(1, productId);
              insert.setString(2, rows.getString(1));
              insert.setLong(3, rows.getLong(2));
              insert.addBatch();
              batched++;
            }
          }
          if (batched >= 5_000) {
            insert.executeBatch();
            batched = 0;
          }
        }
        if (batched > 0) {
          insert.executeBatch();
        }
      }
    }
  }

  private static AuditEvent parse(byte[] bytes) throws SQLException {
    try {
      return AuditEvent.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new SQLException("a stored event is not an AuditEvent: " + e.getMessage(), e);
    }
  }
}
