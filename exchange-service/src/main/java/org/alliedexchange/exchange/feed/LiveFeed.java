package org.alliedexchange.exchange.feed;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.exchange.store.StoredProduct;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live products for subscribers, from every replica of this nation: each replica LISTENs on the
 * database's feed channel, reads the new feed entries when notified (or every second, in case a
 * notification was lost) and hands them to its subscriptions in feed order.
 */
public final class LiveFeed implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LiveFeed.class);
  private static final int READ_CHUNK = 1000;

  /** The most threads delivering to subscriptions at once. */
  public static final int DELIVERY_THREADS =
      Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  /** Something a subscription needs read under the dispatch lock. */
  @FunctionalInterface
  interface Rows {
    List<StoredProduct> read() throws SQLException;
  }

  private final DataSource dataSource;
  private final ProductStore store;
  private final int queueCapacity;
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final ReentrantLock dispatch = new ReentrantLock();
  private final ExecutorService delivery;
  private final Thread listener;
  private volatile boolean running = true;
  private long lastPosition;

  public LiveFeed(DataSource dataSource, ProductStore store, int queueCapacity)
      throws SQLException {
    this.dataSource = dataSource;
    this.store = store;
    this.queueCapacity = queueCapacity;
    this.lastPosition = store.lastFeedPosition();
    // a fixed number of threads, whatever the number of subscriptions: each subscription has at
    // most one delivery task queued or running, and a task yields its thread after each chunk it
    // catches up (a cached pool grew a thread per subscription being served at once: 276 for a
    // thousand subscribers in the soak)
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            DELIVERY_THREADS,
            DELIVERY_THREADS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            runnable -> {
              Thread thread = new Thread(runnable, "feed-delivery");
              thread.setDaemon(true);
              return thread;
            });
    pool.allowCoreThreadTimeOut(true);
    this.delivery = pool;
    this.listener = new Thread(this::listen, "feed-listener");
    listener.setDaemon(true);
    listener.start();
  }

  /**
   * Starts a subscription on a topic after a feed position; returns what to call when the stream is
   * ready for more (the gRPC on-ready handler).
   */
  public Runnable subscribe(String topic, long afterPosition, Sink sink) {
    Subscription subscription =
        new Subscription(this, store, delivery, topic, afterPosition, sink, queueCapacity);
    subscriptions.add(subscription);
    subscription.schedule();
    return subscription::schedule;
  }

  /** The newest feed position this replica has seen: where a subscription "from now" starts. */
  public long position() throws SQLException {
    return store.lastFeedPosition();
  }

  /**
   * How many subscriptions on {@code topic} this replica serves; a product published from now on
   * reaches each of them.
   */
  public int subscriptions(String topic) {
    return (int)
        subscriptions.stream().filter(subscription -> subscription.topic().equals(topic)).count();
  }

  void remove(Subscription subscription) {
    subscriptions.remove(subscription);
  }

  void goLive(Subscription subscription, Rows remainder) throws SQLException {
    dispatch.lock();
    try {
      subscription.becomeLive(remainder.read());
    } finally {
      dispatch.unlock();
    }
  }

  private void listen() {
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        try (Statement listen = connection.createStatement()) {
          listen.execute("LISTEN " + ProductStore.CHANNEL);
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        readNew();
        while (running) {
          pg.getNotifications(1000);
          if (!running) {
            break;
          }
          // with or without a notification: the periodic read covers one lost in a reconnect
          readNew();
        }
      } catch (SQLException | RuntimeException e) {
        if (running) {
          LOG.warn("live feed lost its database connection ({}); reconnecting", e.getMessage());
          sleep(500);
        }
      }
    }
  }

  private void readNew() throws SQLException {
    List<StoredProduct> rows;
    do {
      rows = store.feedAfter(lastPosition, null, READ_CHUNK);
      if (rows.isEmpty()) {
        return;
      }
      dispatch.lock();
      try {
        for (StoredProduct row : rows) {
          for (Subscription subscription : subscriptions) {
            if (subscription.topic().equals(row.topic())) {
              subscription.offer(row);
            }
          }
          lastPosition = row.position();
        }
      } finally {
        dispatch.unlock();
      }
    } while (rows.size() == READ_CHUNK);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    listener.join(3000);
    delivery.shutdown();
    delivery.awaitTermination(5, TimeUnit.SECONDS);
  }
}
