package org.alliedexchange.exchange.feed;

import org.alliedexchange.exchange.store.StoredProduct;

/** Where a subscription's products go: the gRPC stream, which filters and sends each one. */
public interface Sink {
  /** True when the stream can take a message now without buffering. */
  boolean ready();

  /** True once the call is over (cancelled, deadline passed, or closed). */
  boolean closed();

  /** Sends the product if the subscriber may have it; never blocks. */
  void send(StoredProduct product);

  /** Ends the stream with an error the client can act on. */
  void fail(Throwable error);
}
