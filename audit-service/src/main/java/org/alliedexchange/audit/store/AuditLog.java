package org.alliedexchange.audit.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToIntFunction;
import javax.sql.DataSource;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.chain.ChainHash;
import org.alliedexchange.audit.chain.ChainVerifier;
import org.alliedexchange.audit.chain.Checkpoint;
import org.alliedexchange.audit.chain.Relationships;
import org.alliedexchange.label.WireMapping;

/**
 * The append-only audit log on PostgreSQL. {@link #append} stores a batch of events in one
 * transaction: each event once per relationship it belongs to, linked to the head of that
 * relationship's chain. An event already stored (the stream delivers at least once) is skipped, so
 * redelivery never duplicates a record or breaks a chain; a different event under a stored id is
 * refused ({@link EventIdTaken}), never skipped.
 */
public final class AuditLog {

  /** One event as it came off the stream: its bytes are what the chain hashes. */
  public record Incoming(byte[] bytes, AuditEvent event, List<String> relationships) {
    public Incoming(byte[] bytes, AuditEvent event) {
      this(bytes, event, Relationships.of(event));
    }
  }

  private final DataSource dataSource;
  private final ToIntFunction<SecurityLabel> levelOf;

  /**
   * @param levelOf the common level (ClassificationLevel number) of a transfer's product label,
   *     which an originator may give as a marking only: the log's level column and rollups hold it
   */
  public AuditLog(DataSource dataSource, ToIntFunction<SecurityLabel> levelOf) {
    this.dataSource = dataSource;
    this.levelOf = levelOf;
  }

  /**
   * Stores the events not stored before; returns how many records were written. Throws when nothing
   * was.
   */
  public int append(List<Incoming> events) throws SQLException {
    if (events.isEmpty()) {
      return 0;
    }
    Set<String> ids = new HashSet<>();
    TreeSet<String> relationships = new TreeSet<>();
    for (Incoming incoming : events) {
      ids.add(incoming.event().getEventId());
      relationships.addAll(incoming.relationships());
    }
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        Map<String, Head> heads = lockHeads(connection, relationships);
        Map<String, byte[]> stored = stored(connection, ids);
        Rollups rollups = new Rollups();
        int written = insert(connection, events, heads, stored, rollups, levelOf);
        saveHeads(connection, heads);
        rollups.save(connection);
        connection.commit();
        return written;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
  }

  private static final class Head {
    long sequence;
    byte[] hash;
    boolean moved;

    Head(long sequence, byte[] hash) {
      this.sequence = sequence;
      this.hash = hash;
    }
  }

  /**
   * The heads of these chains, created at the genesis when new, locked (in a fixed order) until
   * commit.
   */
  private static Map<String, Head> lockHeads(Connection connection, TreeSet<String> relationships)
      throws SQLException {
    try (PreparedStatement create =
        connection.prepareStatement(
            "INSERT INTO chain_head (relationship, sequence, hash) VALUES (?, 0, ?) ON CONFLICT DO NOTHING")) {
      for (String relationship : relationships) {
        create.setString(1, relationship);
        create.setBytes(2, ChainHash.GENESIS);
        create.addBatch();
      }
      create.executeBatch();
    }
    Map<String, Head> heads = new HashMap<>();
    try (PreparedStatement lock =
        connection.prepareStatement(
            "SELECT relationship, sequence, hash FROM chain_head WHERE relationship = ANY (?) ORDER BY relationship FOR UPDATE")) {
      lock.setArray(1, connection.createArrayOf("text", relationships.toArray()));
      try (ResultSet rows = lock.executeQuery()) {
        while (rows.next()) {
          heads.put(rows.getString(1), new Head(rows.getLong(2), rows.getBytes(3)));
        }
      }
    }
    return heads;
  }

  /**
   * The bytes of the events already in the log under these ids, by "relationship event_id" (only
   * redeliveries and forgeries find any).
   */
  private static Map<String, byte[]> stored(Connection connection, Set<String> ids)
      throws SQLException {
    Map<String, byte[]> stored = new HashMap<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT relationship, event_id, event FROM audit_record WHERE event_id = ANY (?)")) {
      Array array = connection.createArrayOf("text", ids.toArray());
      query.setArray(1, array);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          stored.put(rows.getString(1) + " " + rows.getString(2), rows.getBytes(3));
        }
      }
    }
    return stored;
  }

  /**
   * An event under an id that already holds a different record in one of its relationships. A
   * redelivery carries the same bytes and is skipped; different bytes mean a writer reused (or
   * guessed) the id, and skipping them would silently drop one of the two records. Refused as data,
   * so the consumer dead-letters it, with its bytes, and raises the alarm.
   */
  public static final class EventIdTaken extends IllegalStateException {
    EventIdTaken(String relationship, String eventId) {
      super(
          "event id "
              + eventId
              + " already holds a different record in "
              + relationship
              + "; this one was not stored over it");
    }
  }

  private static int insert(
      Connection connection,
      List<Incoming> events,
      Map<String, Head> heads,
      Map<String, byte[]> stored,
      Rollups rollups,
      ToIntFunction<SecurityLabel> levelOf)
      throws SQLException {
    int written = 0;
    int listed = 0;
    try (PreparedStatement insert =
            connection.prepareStatement(
                """
        INSERT INTO audit_record (relationship, sequence, event_id, event_type, occurred_at, decision, originator, recipient,
                                  level, recipient_system, product_id, event, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""");
        PreparedStatement withheld = connection.prepareStatement(INSERT_WITHHELD_ROW)) {
      for (Incoming incoming : events) {
        AuditEvent event = incoming.event();
        int level = event.hasTransfer() ? levelOf.applyAsInt(event.getTransfer().getLabel()) : 0;
        for (String relationship : incoming.relationships()) {
          byte[] held =
              stored.putIfAbsent(relationship + " " + event.getEventId(), incoming.bytes());
          if (held != null) {
            if (!Arrays.equals(held, incoming.bytes())) {
              throw new EventIdTaken(relationship, event.getEventId());
            }
            continue;
          }
          Head head = heads.get(relationship);
          long sequence = head.sequence + 1;
          byte[] hash = ChainHash.link(relationship, sequence, head.hash, incoming.bytes());
          head.sequence = sequence;
          head.hash = hash;
          head.moved = true;
          bind(insert, relationship, sequence, event, level, incoming.bytes(), hash);
          insert.addBatch();
          if (event.hasTransfer()) {
            listed += bindWithheldRows(withheld, relationship, sequence, event.getTransfer());
            if (listed >= 5_000) {
              // the records first (the index rows name them), then this stretch of index rows:
              // a batch of writers' summaries never holds more than this many rows in memory
              insert.executeBatch();
              withheld.executeBatch();
              listed = 0;
            }
          }
          rollups.count(relationship, event, level);
          written++;
        }
      }
      insert.executeBatch();
      if (listed > 0) {
        withheld.executeBatch();
      }
    }
    return written;
  }

  /** Indexes a product id a summary of withheld rows lists, under the record that lists it. */
  private static final String INSERT_WITHHELD_ROW =
      "INSERT INTO withheld_row (product_id, relationship, sequence) VALUES (?, ?, ?)"
          + " ON CONFLICT DO NOTHING";

  /**
   * Adds to {@code insert}'s batch ({@link #INSERT_WITHHELD_ROW}) each product id the summary
   * {@code transfer} lists (none for the record of one message; a row without a readable id is
   * listed as "" and not indexed); returns how many.
   */
  private static int bindWithheldRows(
      PreparedStatement insert, String relationship, long sequence, TransferRecord transfer)
      throws SQLException {
    int added = 0;
    for (String productId : transfer.getWithheldProductIdsList()) {
      if (productId.isEmpty()) {
        continue;
      }
      insert.setString(1, productId);
      insert.setString(2, relationship);
      insert.setLong(3, sequence);
      insert.addBatch();
      added++;
    }
    return added;
  }

  private static void bind(
      PreparedStatement insert,
      String relationship,
      long sequence,
      AuditEvent event,
      int level,
      byte[] bytes,
      byte[] hash)
      throws SQLException {
    insert.setString(1, relationship);
    insert.setLong(2, sequence);
    insert.setString(3, event.getEventId());
    insert.setString(4, event.getEventCase().name().toLowerCase(java.util.Locale.ROOT));
    Instant at = event.hasOccurredAt() ? WireMapping.instant(event.getOccurredAt()) : Instant.now();
    insert.setTimestamp(5, Timestamp.from(at));
    if (event.hasTransfer()) {
      var transfer = event.getTransfer();
      insert.setShort(6, (short) transfer.getDecisionValue());
      insert.setString(
          7,
          transfer.getLabel().getOriginator().isEmpty()
              ? transfer.getSourceNation()
              : transfer.getLabel().getOriginator());
      insert.setString(8, transfer.getRecipientNation());
      insert.setShort(9, (short) level);
      insert.setString(10, transfer.getRecipientSystem());
      insert.setString(11, transfer.getProductId());
    } else {
      insert.setNull(6, java.sql.Types.SMALLINT);
      insert.setNull(7, java.sql.Types.VARCHAR);
      insert.setNull(8, java.sql.Types.VARCHAR);
      insert.setNull(9, java.sql.Types.SMALLINT);
      insert.setNull(10, java.sql.Types.VARCHAR);
      insert.setNull(11, java.sql.Types.VARCHAR);
    }
    insert.setBytes(12, bytes);
    insert.setBytes(13, hash);
  }

  private static void saveHeads(Connection connection, Map<String, Head> heads)
      throws SQLException {
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE chain_head SET sequence = ?, hash = ? WHERE relationship = ?")) {
      for (Map.Entry<String, Head> head : heads.entrySet()) {
        if (head.getValue().moved) {
          update.setLong(1, head.getValue().sequence);
          update.setBytes(2, head.getValue().hash);
          update.setString(3, head.getKey());
          update.addBatch();
        }
      }
      update.executeBatch();
    }
  }

  /** The relationships the log holds. */
  public List<String> relationships() throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT relationship FROM chain_head WHERE sequence > 0 ORDER BY relationship");
        ResultSet rows = query.executeQuery()) {
      while (rows.next()) {
        out.add(rows.getString(1));
      }
    }
    return out;
  }

  /**
   * Walks a relationship's chain from its first record, streaming rows, and checks every link (and
   * the checkpoint, if any).
   */
  public ChainVerifier.Result verify(String relationship, Checkpoint checkpoint)
      throws SQLException {
    ChainVerifier verifier = new ChainVerifier(relationship, checkpoint);
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement query =
          connection.prepareStatement(
              "SELECT sequence, event_id, event, hash FROM audit_record WHERE relationship = ? ORDER BY sequence")) {
        query.setFetchSize(5_000);
        query.setString(1, relationship);
        try (ResultSet rows = query.executeQuery()) {
          while (rows.next()
              && verifier.accept(
                  ChainVerifier.Link.ofEvent(
                      rows.getLong(1), rows.getString(2), rows.getBytes(3), rows.getBytes(4)))) {
            // accept() stops at the first record that does not fit
          }
        }
      } finally {
        connection.rollback();
      }
    }
    return verifier.result();
  }
}
