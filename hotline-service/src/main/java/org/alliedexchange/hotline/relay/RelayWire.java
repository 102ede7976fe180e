package org.alliedexchange.hotline.relay;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.serviceruntime.EncodedMessageStream;

/**
 * A RelayResponse on the wire, kept as bytes: the node sends its stored label, content and binding
 * exactly as signed, and a receiver takes the origin's label bytes apart from the release the
 * gateway appended (a second field-1 occurrence), so it stores what the origin signed.
 */
public final class RelayWire {
  private RelayWire() {}

  /** One relayed item as it arrived. */
  public record Item(byte[] label, Release release, byte[] content, byte[] binding) {}

  /** The bytes of a RelayResponse: label at 1, content at 2, binding at 3. */
  public static byte[] encode(byte[] label, byte[] content, byte[] binding) {
    int size =
        CodedOutputStream.computeByteArraySize(1, label)
            + CodedOutputStream.computeByteArraySize(2, content)
            + CodedOutputStream.computeByteArraySize(3, binding);
    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeByteArray(1, label);
      out.writeByteArray(2, content);
      out.writeByteArray(3, binding);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes;
  }

  /**
   * Takes a relayed RelayResponse apart: the first label occurrence is the origin's, a later one
   * may carry only the gateway's release. Throws on anything else (a field the convention does not
   * declare, a content or binding twice, a second label that is more than a release).
   */
  public static Item decode(byte[] bytes) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    byte[] label = null;
    byte[] content = null;
    byte[] binding = null;
    Release release = null;
    try {
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          throw new InvalidProtocolBufferException("field " + (tag >>> 3) + " is not bytes");
        }
        switch (WireFormat.getTagFieldNumber(tag)) {
          case 1 -> {
            byte[] occurrence = in.readByteArray();
            if (label == null) {
              label = occurrence;
            } else {
              SecurityLabel appended = SecurityLabel.parseFrom(occurrence);
              if (release != null
                  || !appended.equals(
                      SecurityLabel.newBuilder().setRelease(appended.getRelease()).build())) {
                throw new InvalidProtocolBufferException(
                    "a second label that is more than the gateway's release");
              }
              release = appended.getRelease();
            }
          }
          case 2 -> {
            if (content != null) {
              throw new InvalidProtocolBufferException("content twice");
            }
            content = in.readByteArray();
          }
          case 3 -> {
            if (binding != null) {
              throw new InvalidProtocolBufferException("binding twice");
            }
            binding = in.readByteArray();
          }
          default ->
              throw new InvalidProtocolBufferException(
                  "field " + WireFormat.getTagFieldNumber(tag) + " is not part of a relayed item");
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e.getMessage());
    }
    if (label == null || content == null || binding == null) {
      throw new InvalidProtocolBufferException(
          "a relayed item needs its label, content and binding");
    }
    return new Item(label, release, content, binding);
  }

  /** Passes the bytes of a message as they are, in both directions. */
  public static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new EncodedMessageStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
}
