package org.alliedexchange.serviceruntime;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A message already encoded, as a marshaller hands it to gRPC: of known length and drained straight
 * into the transport's buffer. gRPC copies any other stream through a fresh 8 KiB array per message
 * (its {@code MessageFramer}), which on a feed delivering thousands of products a second was the
 * exchange service's largest source of garbage, and so of collector pauses in every delivery's
 * latency.
 */
public final class EncodedMessageStream extends ByteArrayInputStream
    implements KnownLength, Drainable {

  public EncodedMessageStream(byte[] encoded) {
    super(encoded);
  }

  /** Writes what is left of the message to {@code target} in one call; returns how many bytes. */
  @Override
  public synchronized int drainTo(OutputStream target) throws IOException {
    int length = count - pos;
    target.write(buf, pos, length);
    pos = count;
    return length;
  }
}
