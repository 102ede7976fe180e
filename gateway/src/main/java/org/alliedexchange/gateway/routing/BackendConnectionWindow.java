package org.alliedexchange.gateway.routing;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.Connection;

/**
 * Keeps one caller that stops reading from holding up everyone else's calls to the same backend.
 *
 * <p>All calls to an exchange service share one HTTP/2 connection from the gateway. A stream whose
 * caller does not read is paused here: its bytes stay unread, and HTTP/2 counts unread bytes
 * against the stream's window and the connection's. Netty's connection window is as small as a
 * stream's (64 KiB), so one paused subscription used to fill it, and then no call on the connection
 * got another byte: publishes timed out and every other subscriber stopped receiving. With the
 * connection's receive window at its maximum, a paused stream holds only its own window; the
 * exchange service sees that stream (and only it) not ready, and that subscriber falls behind and
 * catches up from the store there. Memory stays bounded by the stream windows: at most one stream's
 * window ({@code allied.gateway.limits.backend-stream-window-bytes}) of unread bytes per open
 * stream.
 */
public final class BackendConnectionWindow {

  private static final Logger LOG = LoggerFactory.getLogger(BackendConnectionWindow.class);
  private static final AttributeKey<Boolean> WIDENED =
      AttributeKey.valueOf("allied.backend-connection-window");

  private BackendConnectionWindow() {}

  /**
   * For {@code HttpClient.doOnConnected}: widens the receive window of the HTTP/2 connection the
   * stream {@code connection} belongs to, once per connection.
   */
  public static void widen(Connection connection) {
    Channel channel = connection.channel();
    Channel parent = channel instanceof Http2StreamChannel ? channel.parent() : channel;
    if (parent == null || parent.attr(WIDENED).setIfAbsent(Boolean.TRUE) != null) {
      return;
    }
    Http2FrameCodec codec = parent.pipeline().get(Http2FrameCodec.class);
    if (codec == null) {
      parent.attr(WIDENED).set(null);
      return;
    }
    Http2Connection http2 = codec.connection();
    Http2LocalFlowController flow = http2.local().flowController();
    int delta = Integer.MAX_VALUE - flow.initialWindowSize(http2.connectionStream());
    if (delta <= 0) {
      return;
    }
    try {
      flow.incrementWindowSize(http2.connectionStream(), delta);
      parent.flush();
      LOG.debug("widened the receive window of the connection to {}", parent.remoteAddress());
    } catch (Http2Exception e) {
      LOG.warn(
          "could not widen the receive window of the connection to {}: {}; a caller that stops"
              + " reading may hold up other calls to it",
          parent.remoteAddress(),
          e.getMessage());
    }
  }
}
