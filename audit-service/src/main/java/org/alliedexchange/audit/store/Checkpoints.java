package org.alliedexchange.audit.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.alliedexchange.audit.chain.Checkpoint;
import org.alliedexchange.audit.chain.CheckpointSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues a signed checkpoint for every chain whose head moved since its last one, every {@code
 * every}; and reads the latest checkpoint of a chain back for verification.
 */
public final class Checkpoints implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
  private final DataSource dataSource;
  private final CheckpointSigner signer;
  private final Clock clock;
  private final Duration every;
  private final Thread thread;
  private volatile boolean running = true;

  public Checkpoints(DataSource dataSource, CheckpointSigner signer, Clock clock, Duration every) {
    this.dataSource = dataSource;
    this.signer = signer;
    this.clock = clock;
    this.every = every;
    this.thread = new Thread(this::run, "audit-checkpoints");
    thread.setDaemon(true);
  }

  /**
   * Signs at once what moved while the service was down (records stored just before a stop would
   * otherwise stay unsigned, and an export of them unverifiable, for one more {@code every}); then
   * every {@code every}.
   */
  public void start() {
    try {
      issue();
    } catch (SQLException | RuntimeException e) {
      LOG.warn("checkpoints not issued at start, next round in {}: {}", every, e.getMessage());
    }
    thread.start();
  }

  private void run() {
    while (running) {
      try {
        Thread.sleep(every.toMillis());
        issue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (SQLException | RuntimeException e) {
        LOG.warn("checkpoints not issued this round: {}", e.getMessage());
      }
    }
  }

  /**
   * Signs the current head of every chain that moved since its last checkpoint; returns what it
   * issued.
   */
  public List<Checkpoint> issue() throws SQLException {
    List<Checkpoint> issued = new ArrayList<>();
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement moved =
              connection.prepareStatement(
                  """
          SELECT h.relationship, h.sequence, h.hash FROM chain_head h
          WHERE h.sequence > coalesce((SELECT max(c.sequence) FROM checkpoint c WHERE c.relationship = h.relationship), 0)""");
          PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO checkpoint (relationship, sequence, head_hash, issued_at, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)")) {
        try (ResultSet rows = moved.executeQuery()) {
          while (rows.next()) {
            // microseconds: what PostgreSQL keeps, so the signed time reads back exactly
            Checkpoint checkpoint =
                signer.sign(
                    rows.getString(1),
                    rows.getLong(2),
                    rows.getBytes(3),
                    clock.instant().truncatedTo(ChronoUnit.MICROS));
            insert.setString(1, checkpoint.relationship());
            insert.setLong(2, checkpoint.sequence());
            insert.setBytes(3, checkpoint.headHash());
            insert.setTimestamp(4, Timestamp.from(checkpoint.issuedAt()));
            insert.setString(5, signer.keyId());
            insert.setBytes(6, checkpoint.signature());
            insert.addBatch();
            issued.add(checkpoint);
          }
        }
        insert.executeBatch();
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
    return issued;
  }

  /** The latest checkpoint of a chain, or null when none was issued yet. */
  public Checkpoint latest(String relationship) throws SQLException {
    return read(
        relationship,
        "SELECT sequence, head_hash, issued_at, signature FROM checkpoint WHERE relationship = ? ORDER BY sequence DESC LIMIT 1",
        0);
  }

  /**
   * The checkpoint issued at record {@code sequence} of a chain, or null when none was: what a
   * signed report or an export names is checked against it.
   */
  public Checkpoint at(String relationship, long sequence) throws SQLException {
    if (sequence <= 0) {
      return null; // records count from 1; a uint64 beyond Long.MAX_VALUE arrives negative
    }
    return read(
        relationship,
        "SELECT sequence, head_hash, issued_at, signature FROM checkpoint WHERE relationship = ? AND sequence = ?",
        sequence);
  }

  private Checkpoint read(String relationship, String sql, long sequence) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement query = connection.prepareStatement(sql)) {
      query.setString(1, relationship);
      if (sequence > 0) {
        query.setLong(2, sequence);
      }
      try (ResultSet rows = query.executeQuery()) {
        if (!rows.next()) {
          return null;
        }
        return new Checkpoint(
            relationship,
            rows.getLong(1),
            rows.getBytes(2),
            rows.getTimestamp(3).toInstant(),
            rows.getBytes(4));
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5_000);
  }
}
