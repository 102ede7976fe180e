package org.alliedexchange.exchange.feed;

import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.exchange.store.NewProduct;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.exchange.store.StoredProduct;
import org.alliedexchange.label.BindingSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: concurrent publishes wait in one queue and a single writer signs and stores them in
 * batches: one signature (a Merkle root, see Binding), one transaction, one fsync and one feed lock
 * per batch. A publish is acknowledged only after its batch has committed; a failed batch is
 * retried item by item so one bad product cannot sink its neighbours.
 */
public final class PublishBatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PublishBatcher.class);
  private static final int MAX_BATCH = 256;

  private record Pending(NewProduct product, CompletableFuture<StoredProduct> done) {}

  private final ProductStore store;
  private final BindingSigner signer;
  private final Clock clock;
  private final BlockingQueue<Pending> queue;
  private final Thread writer;
  private volatile boolean running = true;

  public PublishBatcher(ProductStore store, BindingSigner signer, Clock clock, int capacity) {
    this.store = store;
    this.signer = signer;
    this.clock = clock;
    this.queue = new LinkedBlockingQueue<>(capacity);
    this.writer = new Thread(this::writeLoop, "publish-writer");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Queues a product; the future completes once it is durably stored (or fails, and nothing was
   * stored).
   */
  public CompletableFuture<StoredProduct> submit(NewProduct product) {
    CompletableFuture<StoredProduct> done = new CompletableFuture<>();
    if (!running) {
      done.completeExceptionally(
          new IllegalStateException("the exchange service is shutting down"));
    } else if (!queue.offer(new Pending(product, done))) {
      done.completeExceptionally(
          new IllegalStateException("too many publishes in flight; retry shortly"));
    }
    return done;
  }

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>(MAX_BATCH);
    while (running || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } finally {
        batch.clear();
      }
    }
    Pending left;
    while ((left = queue.poll()) != null) {
      left.done()
          .completeExceptionally(
              new IllegalStateException("the exchange service stopped before storing it"));
    }
  }

  private void write(List<Pending> batch) {
    try {
      List<Binding> bindings =
          signer.signBatch(
              batch.stream()
                  .map(
                      pending ->
                          new BindingSigner.Leaf(
                              pending.product().label(), pending.product().content()))
                  .toList(),
              clock.instant());
      List<NewProduct> signed = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        signed.add(batch.get(i).product().withBinding(bindings.get(i).toByteArray()));
      }
      List<StoredProduct> stored = store.publish(signed);
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).done().complete(stored.get(i));
      }
    } catch (SQLException | RuntimeException e) {
      if (batch.size() == 1) {
        LOG.warn("publish of {} failed: {}", batch.get(0).product().id(), e.getMessage());
        batch.get(0).done().completeExceptionally(e);
        return;
      }
      for (Pending one : batch) {
        write(List.of(one));
      }
    }
  }

  /** Stores what is queued, then stops. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    writer.join(TimeUnit.SECONDS.toMillis(30));
  }
}
