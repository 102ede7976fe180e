package org.alliedexchange.gateway.guard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.alliedexchange.federationstate.ProductVersionFeed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares {@link NewestVersions} between gateways through {@link ProductVersionFeed}, off the
 * guard's path: every {@link #POLL} it appends the versions this gateway learned since, in one
 * pipelined write, and reads those the others appended. It reads the whole feed before the gateway
 * opens its port, as far as Redis answers. If Redis cannot be reached the gateway still refuses
 * every stale version it has itself seen; the agreement board refuses calls meanwhile.
 */
public final class VersionSharing implements AutoCloseable {

  static final Duration POLL = Duration.ofMillis(100);
  private static final int PAGE = 1000;
  // learned versions waiting to be written; amendments are rare, so this bound is never near
  private static final int MAX_PENDING = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(VersionSharing.class);

  private final ProductVersionFeed feed;
  private final NewestVersions versions;
  private final ConcurrentLinkedQueue<NewestVersions.Seen> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingCount = new AtomicInteger();
  private final Thread poller;
  private volatile boolean closed;
  private String lastId = "0-0";

  /**
   * @param capacity how many amended products the gateway remembers
   */
  public VersionSharing(ProductVersionFeed feed, int capacity) {
    this.feed = feed;
    this.versions = new NewestVersions(capacity, this::learned);
    read();
    this.poller = new Thread(this::poll, "product-versions");
    poller.setDaemon(true);
    poller.start();
  }

  /** The versions the guard checks against. */
  public NewestVersions versions() {
    return versions;
  }

  private void learned(NewestVersions.Seen seen) {
    if (pendingCount.incrementAndGet() > MAX_PENDING) {
      pendingCount.decrementAndGet();
      LOG.warn(
          "product version {} v{} not shared: too many waiting", seen.productId(), seen.version());
      return;
    }
    pending.add(seen);
  }

  private void poll() {
    while (!closed) {
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      write();
      read();
    }
  }

  private synchronized void write() {
    List<NewestVersions.Seen> taken = new ArrayList<>();
    List<ProductVersionFeed.Entry> batch = new ArrayList<>();
    for (NewestVersions.Seen seen; batch.size() < PAGE && (seen = pending.poll()) != null; ) {
      taken.add(seen);
      batch.add(
          new ProductVersionFeed.Entry("", seen.originator(), seen.productId(), seen.version()));
    }
    try {
      feed.append(batch);
      pendingCount.addAndGet(-taken.size());
    } catch (RuntimeException e) {
      // still refused here; tried again next round
      pending.addAll(taken);
      LOG.warn("{} product versions not shared yet: {}", batch.size(), e.getMessage());
    }
  }

  private synchronized void read() {
    try {
      List<ProductVersionFeed.Entry> page;
      do {
        page = feed.after(lastId, PAGE);
        for (ProductVersionFeed.Entry entry : page) {
          versions.learn(
              new NewestVersions.Seen(entry.nation(), entry.productId(), entry.version()));
          lastId = entry.id();
        }
      } while (page.size() == PAGE);
    } catch (RuntimeException e) {
      LOG.debug("product versions not read: {}", e.getMessage());
    }
  }

  /** Writes what is pending now (for tests and shutdown). */
  void flush() {
    write();
  }

  @Override
  public void close() {
    closed = true;
    poller.interrupt();
    write();
    feed.close();
  }
}
