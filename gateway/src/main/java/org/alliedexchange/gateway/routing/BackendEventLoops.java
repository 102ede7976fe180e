package org.alliedexchange.gateway.routing;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The event loops of the gateway's connections to its backends (epoll where the platform has it),
 * which read, guard and audit every message the backends send: each connection must get its own
 * loop in turn, so that the work spreads over the cores.
 *
 * <p>It did not with reactor-netty's own loops: for every connection it takes one loop from {@link
 * #next()} and then asks the group whether its channel type fits, which Netty answers by taking
 * {@link #next()} once more. With two loops, every connection landed on the first: one thread
 * carried all the guarded traffic of a gateway while the other stayed idle. Here the question is
 * answered without moving the rotation.
 */
public final class BackendEventLoops extends MultiThreadIoEventLoopGroup {

  /**
   * @param threads how many loops; one per core is what a gateway is sized by
   */
  public BackendEventLoops(int threads) {
    super(
        threads,
        new DefaultThreadFactory("allied-backend", true),
        Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  /** Every loop is of one kind: ask the first, leaving {@link #next()}'s rotation where it is. */
  @Override
  public boolean isCompatible(Class<? extends IoHandle> handleType) {
    return ((IoEventLoop) iterator().next()).isCompatible(handleType);
  }
}
