package org.alliedexchange.exchange.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The nation's products in PostgreSQL. Every write that adds to the live feed holds one advisory
 * lock for its whole transaction, so feed positions are handed out in commit order, across replicas
 * too: a subscriber reading "everything after position N" can never miss a transaction that
 * committed late.
 */
public final class ProductStore {

  /** The NOTIFY channel replicas listen on for new feed entries. */
  public static final String CHANNEL = "allied_feed";

  private static final long FEED_LOCK = 0x616c6c6965644cL; // "alliedL"
  private static final String PRODUCT_COLUMNS =
      "p.seq, p.id, p.topic, p.label, p.content, p.binding";

  private final DataSource dataSource;

  public ProductStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Stores a batch in one transaction and returns, for each, the product now stored: the new one,
   * or for a repeated idempotency key the one stored the first time. Durable when this returns.
   */
  public List<StoredProduct> publish(List<NewProduct> batch) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        lockFeed(connection);
        List<StoredProduct> stored = new ArrayList<>(batch.size());
        long lastPosition = 0;
        for (NewProduct product : batch) {
          Optional<StoredProduct> earlier =
              product.idempotencyKey() == null
                  ? Optional.empty()
                  : findByIdempotencyKey(connection, product.publisher(), product.idempotencyKey());
          if (earlier.isPresent()) {
            stored.add(earlier.get());
            continue;
          }
          long seq = insertProduct(connection, product);
          lastPosition = appendFeed(connection, product.id(), product.topic(), "PUBLISHED");
          stored.add(
              new StoredProduct(
                  seq,
                  lastPosition,
                  product.id(),
                  product.topic(),
                  product.label(),
                  product.content(),
                  product.binding()));
        }
        if (lastPosition > 0) {
          notifyFeed(connection, lastPosition);
        }
        connection.commit();
        return stored;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
  }

  /**
   * Replaces a product's label and binding with those of {@code version} if the stored label is
   * still {@code expectedLabel} at the version before, records the amendment and adds the product
   * to the live feed. Returns false when the product changed meanwhile.
   */
  public boolean amend(
      UUID id,
      byte[] expectedLabel,
      byte[] label,
      byte[] binding,
      long version,
      String amendedBy,
      String justification)
      throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        lockFeed(connection);
        String topic;
        try (PreparedStatement update =
            connection.prepareStatement(
                "UPDATE product SET label = ?, binding = ?, version = ? WHERE id = ? AND label = ? AND version = ? RETURNING topic")) {
          update.setBytes(1, label);
          update.setBytes(2, binding);
          update.setLong(3, version);
          update.setObject(4, id);
          update.setBytes(5, expectedLabel);
          update.setLong(6, version - 1);
          try (ResultSet rows = update.executeQuery()) {
            if (!rows.next()) {
              connection.rollback();
              return false;
            }
            topic = rows.getString(1);
          }
        }
        try (PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO amendment (product_id, amended_at, amended_by, previous_label, justification, version) VALUES (?, now(), ?, ?, ?, ?)")) {
          insert.setObject(1, id);
          insert.setString(2, amendedBy);
          insert.setBytes(3, expectedLabel);
          insert.setString(4, justification);
          insert.setLong(5, version);
          insert.executeUpdate();
        }
        notifyFeed(connection, appendFeed(connection, id, topic, "AMENDED"));
        connection.commit();
        return true;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
  }

  public Optional<StoredProduct> get(UUID id) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT " + PRODUCT_COLUMNS + ", 0 AS position FROM product p WHERE p.id = ?")) {
      select.setObject(1, id);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.of(product(rows)) : Optional.empty();
      }
    }
  }

  /**
   * Up to {@code limit} products matching the filter after {@code filter.afterSeq()}, in product
   * order.
   */
  public List<StoredProduct> search(SearchFilter filter, int limit) throws SQLException {
    StringBuilder sql =
        new StringBuilder(
            "SELECT " + PRODUCT_COLUMNS + ", 0 AS position FROM product p WHERE p.seq > ?");
    List<Object> args = new ArrayList<>();
    args.add(filter.afterSeq());
    if (filter.topic() != null) {
      sql.append(" AND p.topic = ?");
      args.add(filter.topic());
    }
    if (filter.observedFrom() != null) {
      sql.append(" AND p.observed_at >= ?");
      args.add(Timestamp.from(filter.observedFrom()));
    }
    if (filter.observedTo() != null) {
      sql.append(" AND p.observed_at < ?");
      args.add(Timestamp.from(filter.observedTo()));
    }
    if (filter.minLevel() != null) {
      sql.append(" AND p.level >= ?");
      args.add((short) filter.minLevel().ordinal());
    }
    if (filter.maxLevel() != null) {
      sql.append(" AND p.level <= ?");
      args.add((short) filter.maxLevel().ordinal());
    }
    sql.append(" ORDER BY p.seq LIMIT ?");
    args.add(limit);
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = connection.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        select.setObject(i + 1, args.get(i));
      }
      select.setFetchSize(Math.min(limit, 1000));
      try (ResultSet rows = select.executeQuery()) {
        List<StoredProduct> found = new ArrayList<>();
        while (rows.next()) {
          found.add(product(rows));
        }
        return found;
      }
    }
  }

  /**
   * Up to {@code limit} feed entries after {@code afterPosition}, on one topic (or all when null),
   * in feed order.
   */
  public List<StoredProduct> feedAfter(long afterPosition, String topic, int limit)
      throws SQLException {
    String sql =
        "SELECT "
            + PRODUCT_COLUMNS
            + ", f.position FROM feed f JOIN product p ON p.id = f.product_id"
            + " WHERE f.position > ?"
            + (topic == null ? "" : " AND f.topic = ?")
            + " ORDER BY f.position LIMIT ?";
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = connection.prepareStatement(sql)) {
      int i = 1;
      select.setLong(i++, afterPosition);
      if (topic != null) {
        select.setString(i++, topic);
      }
      select.setInt(i, limit);
      try (ResultSet rows = select.executeQuery()) {
        List<StoredProduct> found = new ArrayList<>();
        while (rows.next()) {
          found.add(product(rows));
        }
        return found;
      }
    }
  }

  /** The newest feed position, 0 when the feed is empty. */
  public long lastFeedPosition() throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement("SELECT coalesce(max(position), 0) FROM feed");
        ResultSet rows = select.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static void lockFeed(Connection connection) throws SQLException {
    try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      lock.setLong(1, FEED_LOCK);
      lock.execute();
    }
  }

  private static Optional<StoredProduct> findByIdempotencyKey(
      Connection connection, String publisher, String key) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT "
                + PRODUCT_COLUMNS
                + ", 0 AS position FROM product p WHERE p.publisher = ? AND p.idempotency_key = ?")) {
      select.setString(1, publisher);
      select.setString(2, key);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.of(product(rows)) : Optional.empty();
      }
    }
  }

  private static long insertProduct(Connection connection, NewProduct product) throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO product (id, topic, level, observed_at, published_at, publisher, idempotency_key, label, content, binding)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq")) {
      insert.setObject(1, product.id());
      insert.setString(2, product.topic());
      insert.setShort(3, (short) product.level().ordinal());
      insert.setTimestamp(4, Timestamp.from(product.observedAt()));
      insert.setTimestamp(5, Timestamp.from(product.publishedAt()));
      insert.setString(6, product.publisher());
      insert.setString(7, product.idempotencyKey());
      insert.setBytes(8, product.label());
      insert.setBytes(9, product.content());
      insert.setBytes(10, product.binding());
      try (ResultSet rows = insert.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private static long appendFeed(Connection connection, UUID id, String topic, String kind)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO feed (product_id, topic, kind) VALUES (?, ?, ?) RETURNING position")) {
      insert.setObject(1, id);
      insert.setString(2, topic);
      insert.setString(3, kind);
      try (ResultSet rows = insert.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private static void notifyFeed(Connection connection, long position) throws SQLException {
    try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
      notify.setString(1, CHANNEL);
      notify.setString(2, Long.toString(position));
      notify.execute();
    }
  }

  private static StoredProduct product(ResultSet rows) throws SQLException {
    return new StoredProduct(
        rows.getLong("seq"),
        rows.getLong("position"),
        (UUID) rows.getObject("id"),
        rows.getString("topic"),
        rows.getBytes("label"),
        rows.getBytes("content"),
        rows.getBytes("binding"));
  }
}
