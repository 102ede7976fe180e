package org.alliedexchange.hotline.config;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.hotline.line.LineSupervision;
import org.alliedexchange.hotline.node.HotlineNode;
import org.alliedexchange.hotline.relay.PeerRelays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts what runs on its own once the gRPC server answers: the pulls from the peers, the expiry of
 * overdue messages, the line's supervision; stops them first at shutdown.
 */
final class HotlineLifecycle implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(HotlineLifecycle.class);

  private final HotlineNode node;
  private final PeerRelays relays;
  private final LineSupervision line;
  private final ScheduledExecutorService scheduler;
  private ScheduledFuture<?> expiry;
  private volatile boolean running;

  HotlineLifecycle(
      HotlineNode node,
      PeerRelays relays,
      LineSupervision line,
      ScheduledExecutorService scheduler) {
    this.node = node;
    this.relays = relays;
    this.line = line;
    this.scheduler = scheduler;
  }

  @Override
  public void start() {
    if (relays != null) {
      relays.start();
    }
    expiry =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                int expired = node.expireOverdue();
                if (expired > 0) {
                  log.warn("{} receipts EXPIRED: messages not relayed in time", expired);
                }
              } catch (RuntimeException e) {
                log.warn("the expiry check failed: {}", e.toString());
              }
            },
            5,
            5,
            TimeUnit.SECONDS);
    line.start();
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    line.close();
    if (expiry != null) {
      expiry.cancel(false);
    }
    if (relays != null) {
      relays.close();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Before the gRPC server (the default phase) at start, after it at shutdown. */
  @Override
  public int getPhase() {
    return Integer.MAX_VALUE - 100;
  }
}
