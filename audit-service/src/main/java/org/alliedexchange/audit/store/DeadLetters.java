package org.alliedexchange.audit.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The events the audit service could not store, in PostgreSQL beside the log (never in a chain),
 * each with its reason: what health and the compliance reports read. Storing is idempotent by
 * stream entry and position, so a redelivered entry adds no second dead letter.
 */
public final class DeadLetters {

  /**
   * One event that could not be stored.
   *
   * @param position its place in the stream entry; -1 when the entry as a whole could not be read
   * @param eventId as written, made printable; null when it had none or could not be read
   * @param relationships those its well-formed nations make; empty when unattributed
   */
  public record Letter(
      String streamId,
      int position,
      String eventId,
      List<String> relationships,
      String reason,
      byte[] bytes) {}

  private final DataSource dataSource;

  public DeadLetters(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Stores the letters of {@code stream} not stored before, in one transaction. */
  public void store(String stream, List<Letter> letters) throws SQLException {
    if (letters.isEmpty()) {
      return;
    }
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert =
            connection.prepareStatement(
                """
            INSERT INTO dead_letter (stream, stream_id, position, event_id, relationships, reason, event)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream, stream_id, position) DO NOTHING""")) {
      for (Letter letter : letters) {
        insert.setString(1, stream);
        insert.setString(2, letter.streamId());
        insert.setInt(3, letter.position());
        insert.setString(4, letter.eventId());
        insert.setArray(
            5, connection.createArrayOf("text", letter.relationships().toArray(String[]::new)));
        insert.setString(6, letter.reason());
        insert.setBytes(7, letter.bytes());
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  /** How many dead letters no one has marked reviewed yet (see {@code reviewed_at}). */
  public long unreviewed() throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT count(*) FROM dead_letter WHERE reviewed_at IS NULL");
        ResultSet rows = query.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
