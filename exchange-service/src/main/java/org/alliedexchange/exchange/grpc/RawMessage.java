package org.alliedexchange.exchange.grpc;

import com.google.protobuf.CodedOutputStream;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.alliedexchange.serviceruntime.EncodedMessageStream;

/**
 * A response already encoded: a stored product's bytes written to the wire as they are, so a stream
 * does not parse and re-encode what it only passes on (and the bytes the binding covers are exactly
 * the bytes sent).
 */
record RawMessage(byte[] bytes) {

  /**
   * A product-shaped message (gateway label convention): label at 1, content at 2, binding at 3,
   * cursor at 4.
   */
  static RawMessage product(byte[] label, byte[] content, byte[] binding, String cursor) {
    int size =
        CodedOutputStream.computeByteArraySize(1, label)
            + CodedOutputStream.computeByteArraySize(2, content)
            + CodedOutputStream.computeByteArraySize(3, binding)
            + CodedOutputStream.computeStringSize(4, cursor);
    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeByteArray(1, label);
      out.writeByteArray(2, content);
      out.writeByteArray(3, binding);
      out.writeString(4, cursor);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new RawMessage(bytes);
  }

  static final MethodDescriptor.Marshaller<RawMessage> MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(RawMessage value) {
          return new EncodedMessageStream(value.bytes());
        }

        @Override
        public RawMessage parse(InputStream stream) {
          try {
            return new RawMessage(stream.readAllBytes());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
}
