package org.alliedexchange.gateway.access;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.alliedexchange.auditstream.IdentityChangeNotices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the identity-change notices from Redis every {@link #POLL} into {@link
 * IdentityRevocations}: all of them when the gateway starts (a token revoked before it started is
 * still revoked), then each new one. Each round that reads marks the revocations fresh; each round
 * ends every open stream if they have gone stale.
 */
public final class IdentityNoticeReader implements AutoCloseable {

  static final Duration POLL = Duration.ofMillis(100);
  private static final int PAGE = 1000;
  private static final Logger LOG = LoggerFactory.getLogger(IdentityNoticeReader.class);

  private final IdentityChangeNotices notices;
  private final IdentityRevocations revocations;
  private final Thread poller;
  private volatile boolean closed;
  private String lastId = "0-0";

  public IdentityNoticeReader(URI redisUrl, IdentityRevocations revocations) {
    this.notices = IdentityChangeNotices.connect(redisUrl, Duration.ofMillis(500));
    this.revocations = revocations;
    // read before the gateway opens its port, as far as Redis answers
    read();
    this.poller = new Thread(this::poll, "identity-notices");
    poller.setDaemon(true);
    poller.start();
  }

  private void poll() {
    while (!closed) {
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      read();
      revocations.endAllIfStale();
    }
  }

  private synchronized void read() {
    try {
      List<IdentityChangeNotices.Notice> page;
      do {
        page = notices.after(lastId, PAGE);
        for (IdentityChangeNotices.Notice notice : page) {
          revocations.apply(notice);
          lastId = notice.id();
        }
      } while (page.size() == PAGE);
      revocations.followed();
    } catch (RuntimeException e) {
      LOG.debug("identity-change notices not read: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    closed = true;
    poller.interrupt();
    notices.close();
  }
}
