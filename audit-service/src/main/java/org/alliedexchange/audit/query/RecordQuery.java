package org.alliedexchange.audit.query;

import com.google.protobuf.InvalidProtocolBufferException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.DenyReason;

/**
 * Reads the audit log for auditors: the records of some relationships, narrowed by filters, in
 * (relationship, sequence) order, streamed from PostgreSQL so an export of millions of records
 * holds one fetch in memory. Which relationships an auditor may read is the caller's to decide;
 * this class reads only the ones it is given.
 */
public final class RecordQuery {

  /**
   * What to read. Null (or empty) fields do not filter.
   *
   * @param relationships the chains to read; never empty
   * @param after resume after this record (a cursor), or null
   */
  public record Filter(
      List<String> relationships,
      Instant from,
      Instant to,
      Integer decision,
      DenyReason reason,
      String productId,
      String system,
      String fromNation,
      String toNation,
      Integer level,
      Position after) {
    public Filter {
      if (relationships == null || relationships.isEmpty()) {
        throw new IllegalArgumentException("a query reads at least one relationship");
      }
      relationships = List.copyOf(relationships);
    }
  }

  /** A record's place in the log: its relationship and sequence. */
  public record Position(String relationship, long sequence) {
    /** The cursor an auditor passes back to resume after this record. */
    public String cursor() {
      return relationship + ":" + sequence;
    }

    /** Reads a cursor; throws IllegalArgumentException naming what is wrong with it. */
    public static Position parse(String cursor) {
      int colon = cursor.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException(
            "the cursor " + cursor + " is not one this service gave (relationship:sequence)");
      }
      try {
        return new Position(
            cursor.substring(0, colon), Long.parseLong(cursor.substring(colon + 1)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "the cursor " + cursor + " is not one this service gave (relationship:sequence)");
      }
    }
  }

  /** One stored record: the event exactly as stored (what the chain hashes), and parsed. */
  public record Row(
      Position position, byte[] eventBytes, AuditEvent event, byte[] hash, Instant recordedAt) {}

  private final DataSource dataSource;

  public RecordQuery(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Feeds the matching records to {@code sink} in order until there are no more or it returns
   * false. Runs in one read-only transaction, so what it reads is one consistent snapshot of the
   * log.
   */
  public void stream(Filter filter, Predicate<Row> sink) throws SQLException {
    StringBuilder sql =
        new StringBuilder(
            "SELECT relationship, sequence, event, hash, recorded_at FROM audit_record WHERE relationship = ANY (?)");
    List<Object> parameters = new ArrayList<>();
    if (filter.from() != null) {
      sql.append(" AND occurred_at >= ?");
      parameters.add(Timestamp.from(filter.from()));
    }
    if (filter.to() != null) {
      sql.append(" AND occurred_at < ?");
      parameters.add(Timestamp.from(filter.to()));
    }
    if (filter.decision() != null) {
      sql.append(" AND decision = ?");
      parameters.add(filter.decision().shortValue());
    }
    if (filter.reason() != null) {
      // reasons live in the event; the decision column narrows the scan to refusals first
      sql.append(" AND decision = 2");
    }
    if (filter.productId() != null && !filter.productId().isEmpty()) {
      // a product's own record, or a summary of withheld rows that lists it
      sql.append(
          " AND (product_id = ? OR (relationship, sequence) IN"
              + " (SELECT relationship, sequence FROM withheld_row WHERE product_id = ?))");
      parameters.add(filter.productId());
      parameters.add(filter.productId());
    }
    addText(sql, parameters, "recipient_system", filter.system());
    addText(sql, parameters, "originator", filter.fromNation());
    addText(sql, parameters, "recipient", filter.toNation());
    if (filter.level() != null) {
      sql.append(" AND level = ?");
      parameters.add(filter.level().shortValue());
    }
    if (filter.after() != null) {
      sql.append(" AND (relationship, sequence) > (?, ?)");
      parameters.add(filter.after().relationship());
      parameters.add(filter.after().sequence());
    }
    sql.append(" ORDER BY relationship, sequence");
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      connection.setReadOnly(true);
      try (PreparedStatement query = connection.prepareStatement(sql.toString())) {
        query.setFetchSize(1_000);
        query.setArray(1, connection.createArrayOf("text", filter.relationships().toArray()));
        for (int i = 0; i < parameters.size(); i++) {
          query.setObject(i + 2, parameters.get(i));
        }
        try (ResultSet rows = query.executeQuery()) {
          while (rows.next()) {
            byte[] bytes = rows.getBytes(3);
            AuditEvent event = parse(bytes);
            if (filter.reason() != null
                && !event.getTransfer().getReasonsList().contains(filter.reason())) {
              continue;
            }
            Row row =
                new Row(
                    new Position(rows.getString(1), rows.getLong(2)),
                    bytes,
                    event,
                    rows.getBytes(4),
                    rows.getTimestamp(5).toInstant());
            if (!sink.test(row)) {
              break;
            }
          }
        }
      } finally {
        connection.rollback();
        connection.setReadOnly(false);
      }
    }
  }

  private static void addText(
      StringBuilder sql, List<Object> parameters, String column, String value) {
    if (value != null && !value.isEmpty()) {
      sql.append(" AND ").append(column).append(" = ?");
      parameters.add(value);
    }
  }

  private static AuditEvent parse(byte[] bytes) throws SQLException {
    try {
      return AuditEvent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("a stored event is not an AuditEvent: " + e.getMessage(), e);
    }
  }
}
