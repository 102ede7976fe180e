package org.alliedexchange.api;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * The gateway's re-marking of a released message: the original bytes, untouched, followed by one
 * more field-1 occurrence holding only {@link SecurityLabel#getRelease() SecurityLabel.release}.
 * Protobuf merges repeated occurrences of a message field, so the recipient parses the originator's
 * label with the release set, while the originator's binding still covers the bytes it signed.
 */
public final class AppendedRelease {

  private static final int RELEASE_FIELD = SecurityLabel.RELEASE_FIELD_NUMBER;

  private AppendedRelease() {}

  /** The original bytes, then field 1 again holding only the release. */
  public static byte[] append(byte[] message, Release release) {
    int releaseSize = release.getSerializedSize();
    // SecurityLabel { release }: tag release/LEN, length, release bytes
    int labelSize =
        CodedOutputStream.computeTagSize(RELEASE_FIELD)
            + CodedOutputStream.computeUInt32SizeNoTag(releaseSize)
            + releaseSize;
    int appended =
        CodedOutputStream.computeTagSize(GatewayLabelConvention.LABEL_FIELD)
            + CodedOutputStream.computeUInt32SizeNoTag(labelSize)
            + labelSize;
    byte[] out = new byte[message.length + appended];
    System.arraycopy(message, 0, out, 0, message.length);
    CodedOutputStream tail = CodedOutputStream.newInstance(out, message.length, appended);
    try {
      tail.writeTag(GatewayLabelConvention.LABEL_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      tail.writeUInt32NoTag(labelSize);
      tail.writeTag(RELEASE_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      tail.writeUInt32NoTag(releaseSize);
      release.writeTo(tail);
      tail.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("sizes were computed for this release", e);
    }
    return out;
  }
}
