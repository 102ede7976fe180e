package org.alliedexchange.hotline.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.alliedexchange.hotline.domain.RelayQueue;
import org.alliedexchange.hotline.line.RelayItemDigest;

/**
 * The node's PostgreSQL: items, receipts, send keys and the event log. Writes take the connection
 * of the caller's transaction ({@link #inTransaction}); reads take their own.
 */
public final class HotlineStore {

  private static final String ITEM_COLUMNS =
      "origin, conference, sequence, item_id, kind, precedence, message_id, label, content,"
          + " binding, release_marking, release_transfer_id, created_at, delay_ms, refused_reason";

  private final DataSource dataSource;

  public HotlineStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Work done in one transaction. */
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
   */
  public <T> T inTransaction(Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("the hotline database failed: " + e.getMessage(), e);
    }
  }

  private <T> T read(Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw new StoreException("the hotline database failed: " + e.getMessage(), e);
    }
  }

  /** The database failed; nothing of the step was kept. */
  public static final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  // ----- this node's own stream

  /** The next (sequence, serial) of this node's stream in a conference; serial counts messages. */
  public long[] nextNumbers(Connection c, String conference, boolean message) throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO own_stream (conference, last_sequence, last_serial) VALUES (?, 0, 0)"
                + " ON CONFLICT DO NOTHING")) {
      insert.setString(1, conference);
      insert.executeUpdate();
    }
    try (PreparedStatement update =
        c.prepareStatement(
            "UPDATE own_stream SET last_sequence = last_sequence + 1, last_serial = last_serial + ?"
                + " WHERE conference = ? RETURNING last_sequence, last_serial")) {
      update.setInt(1, message ? 1 : 0);
      update.setString(2, conference);
      try (ResultSet rows = update.executeQuery()) {
        rows.next();
        return new long[] {rows.getLong(1), rows.getLong(2)};
      }
    }
  }

  /** The last sequence of this node's stream per conference. */
  public long lastOwnSequence(String conference) {
    return read(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement("SELECT last_sequence FROM own_stream WHERE conference = ?")) {
            select.setString(1, conference);
            try (ResultSet rows = select.executeQuery()) {
              return rows.next() ? rows.getLong(1) : 0L;
            }
          }
        });
  }

  // ----- items

  /** Stores an item; false (and nothing changed) when one with its number is held already. */
  public boolean insertItem(Connection c, StoredItem item) throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO relay_item ("
                + ITEM_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      insert.setString(1, item.origin());
      insert.setString(2, item.conference());
      insert.setLong(3, item.sequence());
      insert.setString(4, item.itemId());
      insert.setString(5, item.kind());
      insert.setInt(6, item.precedence());
      insert.setString(7, item.messageId());
      insert.setBytes(8, item.label());
      insert.setBytes(9, item.content());
      insert.setBytes(10, item.binding());
      insert.setString(11, item.releaseMarking());
      insert.setString(12, item.releaseTransferId());
      insert.setTimestamp(13, Timestamp.from(item.createdAt()));
      if (item.delayMs() == null) {
        insert.setNull(14, java.sql.Types.BIGINT);
      } else {
        insert.setLong(14, item.delayMs());
      }
      insert.setString(15, item.refusedReason());
      return insert.executeUpdate() == 1;
    }
  }

  /** Whether an item with this number, or this id, is held. */
  public boolean holds(Connection c, String origin, String conference, long sequence, String id)
      throws SQLException {
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT 1 FROM relay_item WHERE (origin = ? AND conference = ? AND sequence = ?)"
                + " OR item_id = ?")) {
      select.setString(1, origin);
      select.setString(2, conference);
      select.setLong(3, sequence);
      select.setString(4, id);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next();
      }
    }
  }

  /** Every sequence held of one origin's stream in a conference, lowest first. */
  public List<Long> sequences(String origin, String conference) {
    return read(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT sequence FROM relay_item WHERE origin = ? AND conference = ?"
                      + " ORDER BY sequence")) {
            select.setString(1, origin);
            select.setString(2, conference);
            List<Long> sequences = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                sequences.add(rows.getLong(1));
              }
            }
            return sequences;
          }
        });
  }

  /** The relay keys of this node's own items of a conference above {@code after}. */
  public List<RelayQueue.Key> ownKeysAfter(String origin, String conference, long after) {
    return read(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT sequence, precedence FROM relay_item WHERE origin = ? AND conference = ?"
                      + " AND sequence > ? ORDER BY sequence")) {
            select.setString(1, origin);
            select.setString(2, conference);
            select.setLong(3, after);
            List<RelayQueue.Key> keys = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                keys.add(new RelayQueue.Key(conference, rows.getLong(1), rows.getInt(2)));
              }
            }
            return keys;
          }
        });
  }

  /** These items of one origin, by conference and sequence, in no particular order. */
  public List<StoredItem> items(String origin, Collection<RelayQueue.Key> keys) {
    if (keys.isEmpty()) {
      return List.of();
    }
    return read(
        c -> {
          List<StoredItem> items = new ArrayList<>();
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT "
                      + ITEM_COLUMNS
                      + " FROM relay_item WHERE origin = ? AND conference = ?"
                      + " AND sequence = ANY (?)")) {
            java.util.Map<String, List<Long>> byConference = new java.util.TreeMap<>();
            for (RelayQueue.Key key : keys) {
              byConference
                  .computeIfAbsent(key.conference(), k -> new ArrayList<>())
                  .add(key.sequence());
            }
            for (var entry : byConference.entrySet()) {
              select.setString(1, origin);
              select.setString(2, entry.getKey());
              select.setArray(3, c.createArrayOf("bigint", entry.getValue().toArray()));
              try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                  items.add(item(rows));
                }
              }
            }
          }
          return items;
        });
  }

  /** The message with this id, as held here. */
  public Optional<StoredItem> message(String messageId) {
    return read(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT "
                      + ITEM_COLUMNS
                      + " FROM relay_item WHERE kind = 'MESSAGE' AND message_id = ?")) {
            select.setString(1, messageId);
            try (ResultSet rows = select.executeQuery()) {
              return rows.next() ? Optional.of(item(rows)) : Optional.empty();
            }
          }
        });
  }

  /** The messages with these ids held here, by id. */
  public java.util.Map<String, StoredItem> messages(Collection<String> messageIds) {
    if (messageIds.isEmpty()) {
      return java.util.Map.of();
    }
    return read(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT "
                      + ITEM_COLUMNS
                      + " FROM relay_item WHERE kind = 'MESSAGE' AND message_id = ANY (?)")) {
            select.setArray(1, c.createArrayOf("varchar", messageIds.toArray()));
            java.util.Map<String, StoredItem> messages = new java.util.HashMap<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                StoredItem item = item(rows);
                messages.put(item.messageId(), item);
              }
            }
            return messages;
          }
        });
  }

  /** (origin, sequence, SHA-256 of the content) of every item of a conference. */
  public List<RelayItemDigest> digests(String conference) {
    return read(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT origin, sequence, sha256(content) FROM relay_item WHERE conference = ?"
                      + " ORDER BY origin, sequence")) {
            select.setString(1, conference);
            List<RelayItemDigest> digests = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                digests.add(
                    new RelayItemDigest(rows.getString(1), rows.getLong(2), rows.getBytes(3)));
              }
            }
            return digests;
          }
        });
  }

  /**
   * This node's messages of a conference and precedence accepted before {@code before} that fewer
   * than {@code parties} other parties have taken (RELAYED or later), nor been given up on.
   */
  public List<StoredItem> unsettledMessages(
      String origin, String conference, int precedence, Instant before, int parties) {
    return read(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT "
                      + ITEM_COLUMNS
                      + " FROM relay_item i WHERE origin = ? AND conference = ? AND kind = 'MESSAGE'"
                      + " AND precedence = ? AND created_at < ? AND (SELECT count(DISTINCT party)"
                      + " FROM receipt r WHERE r.message_id = i.message_id AND r.party <> ?"
                      + " AND r.state >= 2) < ? ORDER BY sequence LIMIT 1000")) {
            select.setString(1, origin);
            select.setString(2, conference);
            select.setInt(3, precedence);
            select.setTimestamp(4, Timestamp.from(before));
            select.setString(5, origin);
            select.setInt(6, parties);
            List<StoredItem> items = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                items.add(item(rows));
              }
            }
            return items;
          }
        });
  }

  private static StoredItem item(ResultSet rows) throws SQLException {
    long delay = rows.getLong(14);
    Long delayMs = rows.wasNull() ? null : delay;
    return new StoredItem(
        rows.getString(1),
        rows.getString(2),
        rows.getLong(3),
        rows.getString(4),
        rows.getString(5),
        rows.getInt(6),
        rows.getString(7),
        rows.getBytes(8),
        rows.getBytes(9),
        rows.getBytes(10),
        rows.getString(11),
        rows.getString(12),
        rows.getTimestamp(13).toInstant(),
        delayMs,
        rows.getString(15));
  }

  // ----- receipts

  /** One party's state of one message. */
  public record ReceiptRow(
      String messageId,
      String party,
      int state,
      String conference,
      String by,
      String reason,
      Instant at) {}

  /** Records a receipt; false when that party's state was recorded already. */
  public boolean insertReceipt(Connection c, ReceiptRow receipt) throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO receipt (message_id, party, state, conference, by_person, reason, at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      insert.setString(1, receipt.messageId());
      insert.setString(2, receipt.party());
      insert.setInt(3, receipt.state());
      insert.setString(4, receipt.conference());
      insert.setString(5, receipt.by());
      insert.setString(6, receipt.reason());
      insert.setTimestamp(7, Timestamp.from(receipt.at()));
      return insert.executeUpdate() == 1;
    }
  }

  public boolean hasReceipt(Connection c, String messageId, String party, int state)
      throws SQLException {
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT 1 FROM receipt WHERE message_id = ? AND party = ? AND state = ?")) {
      select.setString(1, messageId);
      select.setString(2, party);
      select.setInt(3, state);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next();
      }
    }
  }

  public Optional<ReceiptRow> receipt(String messageId, String party, int state) {
    return read(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT conference, by_person, reason, at FROM receipt WHERE message_id = ?"
                      + " AND party = ? AND state = ?")) {
            select.setString(1, messageId);
            select.setString(2, party);
            select.setInt(3, state);
            try (ResultSet rows = select.executeQuery()) {
              return rows.next()
                  ? Optional.of(
                      new ReceiptRow(
                          messageId,
                          party,
                          state,
                          rows.getString(1),
                          rows.getString(2),
                          rows.getString(3),
                          rows.getTimestamp(4).toInstant()))
                  : Optional.empty();
            }
          }
        });
  }

  // ----- send keys

  public Optional<String> sentWithKey(String sender, String key) {
    return read(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT message_id FROM send_key WHERE sender = ? AND send_key = ?")) {
            select.setString(1, sender);
            select.setString(2, key);
            try (ResultSet rows = select.executeQuery()) {
              return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
          }
        });
  }

  public void insertSendKey(Connection c, String sender, String key, String messageId)
      throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO send_key (sender, send_key, message_id) VALUES (?, ?, ?)")) {
      insert.setString(1, sender);
      insert.setString(2, key);
      insert.setString(3, messageId);
      insert.executeUpdate();
    }
  }

  // ----- the event log

  /** One event of the log. */
  public record LoggedEvent(long position, byte[] response, String messageId, String origin) {}

  /** Appends an event; returns its position. */
  public long appendEvent(
      Connection c, String conference, byte[] response, String messageId, String origin)
      throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO event_log (conference, response, message_id, origin) VALUES (?, ?, ?, ?)"
                + " RETURNING position")) {
      insert.setString(1, conference);
      insert.setBytes(2, response);
      insert.setString(3, messageId);
      insert.setString(4, origin);
      try (ResultSet rows = insert.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /** The events of a conference after a position, oldest first. */
  public List<LoggedEvent> eventsAfter(String conference, long position, int limit) {
    return read(
        c -> {
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT position, response, message_id, origin FROM event_log"
                      + " WHERE conference = ? AND position > ? ORDER BY position LIMIT ?")) {
            select.setString(1, conference);
            select.setLong(2, position);
            select.setInt(3, limit);
            List<LoggedEvent> events = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                events.add(
                    new LoggedEvent(
                        rows.getLong(1), rows.getBytes(2), rows.getString(3), rows.getString(4)));
              }
            }
            return events;
          }
        });
  }

  /** The last position of the log, 0 when empty. */
  public long lastPosition() {
    return read(
        c -> {
          try (PreparedStatement select =
                  c.prepareStatement("SELECT coalesce(max(position), 0) FROM event_log");
              ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getLong(1);
          }
        });
  }
}
