package org.alliedexchange.gateway.guard;

import java.util.function.Consumer;
import org.springframework.core.io.buffer.DataBuffer;

/**
 * Reassembles gRPC length-prefixed messages (1-byte compressed flag, 4-byte big-endian length,
 * bytes) from the buffers a proxied HTTP/2 body arrives in, which split and join messages
 * arbitrarily.
 */
final class GrpcFrameReader {

  /** A frame the guard will not read: compressed, or larger than allowed. */
  static final class FrameException extends Exception {
    private static final long serialVersionUID = 1L;

    FrameException(String message) {
      super(message);
    }
  }

  private final int maxMessageBytes;
  private final byte[] header = new byte[5];
  private int headerFilled;
  private byte[] message;
  private int messageFilled;

  GrpcFrameReader(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Reads all of {@code buffer}, handing each completed message to {@code onMessage}. */
  void feed(DataBuffer buffer, Consumer<byte[]> onMessage) throws FrameException {
    while (buffer.readableByteCount() > 0) {
      if (message == null) {
        int take = Math.min(5 - headerFilled, buffer.readableByteCount());
        buffer.read(header, headerFilled, take);
        headerFilled += take;
        if (headerFilled < 5) {
          return;
        }
        if (header[0] != 0) {
          throw new FrameException(
              "a compressed message reached the guard, which reads only identity-encoded messages");
        }
        int length =
            ((header[1] & 0xFF) << 24)
                | ((header[2] & 0xFF) << 16)
                | ((header[3] & 0xFF) << 8)
                | (header[4] & 0xFF);
        if (length < 0 || length > maxMessageBytes) {
          throw new FrameException(
              "a message of "
                  + Integer.toUnsignedString(length)
                  + " bytes exceeds the guard's limit of "
                  + maxMessageBytes);
        }
        message = new byte[length];
        messageFilled = 0;
        headerFilled = 0;
      }
      int take = Math.min(message.length - messageFilled, buffer.readableByteCount());
      buffer.read(message, messageFilled, take);
      messageFilled += take;
      if (messageFilled == message.length) {
        byte[] done = message;
        message = null;
        onMessage.accept(done);
      }
    }
  }

  /** True between messages: a body that ends otherwise was cut off. */
  boolean atBoundary() {
    return message == null && headerFilled == 0;
  }
}
