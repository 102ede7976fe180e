package org.alliedexchange.exchange.feed;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.exchange.store.StoredProduct;

/**
 * One subscriber on one topic. It starts by catching up from the database after its cursor, then
 * goes live on the feed; when it falls too far behind (its queue is full) it drops the queue and
 * catches up from the database again. Either way it receives every product after its cursor exactly
 * once, in order.
 */
final class Subscription {

  private static final int CATCH_UP_CHUNK = 500;

  private final LiveFeed feed;
  private final ProductStore store;
  private final Executor executor;
  private final String topic;
  private final Sink sink;
  private final int capacity;
  private final ArrayDeque<StoredProduct> queue = new ArrayDeque<>();
  private long delivered;
  private long queuedUpTo;
  private boolean live;
  private boolean scheduled;

  Subscription(
      LiveFeed feed,
      ProductStore store,
      Executor executor,
      String topic,
      long fromPosition,
      Sink sink,
      int capacity) {
    this.feed = feed;
    this.store = store;
    this.executor = executor;
    this.topic = topic;
    this.sink = sink;
    this.capacity = capacity;
    this.delivered = fromPosition;
    this.queuedUpTo = fromPosition;
  }

  String topic() {
    return topic;
  }

  /** From the feed thread, under the feed's dispatch lock. */
  synchronized void offer(StoredProduct product) {
    if (!live || product.position() <= queuedUpTo) {
      return;
    }
    if (queue.size() >= capacity) {
      // too far behind: the database has everything after `delivered`, read it from there
      live = false;
      queue.clear();
      queuedUpTo = delivered;
    } else {
      queue.add(product);
      queuedUpTo = product.position();
    }
    schedule();
  }

  synchronized void schedule() {
    if (!scheduled) {
      scheduled = true;
      executor.execute(this::run);
    }
  }

  private void run() {
    try {
      while (true) {
        if (sink.closed()) {
          feed.remove(this);
          return;
        }
        boolean caughtUp = false;
        if (!isLive() && queueEmpty()) {
          List<StoredProduct> rows = store.feedAfter(deliveredPosition(), topic, CATCH_UP_CHUNK);
          if (rows.size() < CATCH_UP_CHUNK) {
            feed.goLive(this, () -> store.feedAfter(deliveredPosition(), topic, Integer.MAX_VALUE));
          } else {
            enqueue(rows);
            caughtUp = true;
          }
        }
        while (sink.ready()) {
          StoredProduct next = poll();
          if (next == null) {
            break;
          }
          sink.send(next);
          markDelivered(next.position());
        }
        synchronized (this) {
          if (queue.isEmpty() && live || !sink.ready()) {
            scheduled = false;
            return;
          }
        }
        if (caughtUp) {
          // a long way behind: the next chunk waits its turn behind the other subscriptions, so
          // the feed's few threads never all sit in one backlog while live products wait
          executor.execute(this::run);
          return;
        }
      }
    } catch (SQLException | RuntimeException e) {
      synchronized (this) {
        scheduled = false;
      }
      feed.remove(this);
      sink.fail(e);
    }
  }

  /** Under the feed's dispatch lock: the last rows from the database, then live. */
  synchronized void becomeLive(List<StoredProduct> rows) {
    for (StoredProduct row : rows) {
      if (row.position() > queuedUpTo) {
        queue.add(row);
        queuedUpTo = row.position();
      }
    }
    live = true;
  }

  private synchronized void enqueue(List<StoredProduct> rows) {
    for (StoredProduct row : rows) {
      if (row.position() > queuedUpTo) {
        queue.add(row);
        queuedUpTo = row.position();
      }
    }
  }

  private synchronized StoredProduct poll() {
    return queue.poll();
  }

  private synchronized void markDelivered(long position) {
    delivered = Math.max(delivered, position);
  }

  private synchronized long deliveredPosition() {
    return Math.max(delivered, queuedUpTo);
  }

  private synchronized boolean isLive() {
    return live;
  }

  private synchronized boolean queueEmpty() {
    return queue.isEmpty();
  }
}
