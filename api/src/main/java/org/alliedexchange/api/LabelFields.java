package org.alliedexchange.api;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.Arrays;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * Where the {@link GatewayLabelConvention} fields sit in a message's bytes: the label (field 1)
 * and, in a bound message, the content (field 2) and the binding (field 3). Reads only tags and
 * lengths, so the guard can decide a message without its schema and without re-encoding it.
 */
public final class LabelFields {

  private int labelCount;
  private int labelStart = -1;
  private int labelLength;
  private int contentCount;
  private int contentStart = -1;
  private int contentLength;
  private int bindingCount;
  private int bindingStart = -1;
  private int bindingLength;
  private long fieldNumbers;
  private boolean fieldAbove63;

  private LabelFields() {}

  /**
   * Scans a message; null when it is not well-formed protobuf or a structural field is not
   * length-delimited.
   *
   * @param bound whether fields 2 and 3 are the content and the binding; in any other message only
   *     field 1 is the guard's
   */
  public static LabelFields scan(byte[] message, boolean bound) {
    int structural =
        bound ? GatewayLabelConvention.BINDING_FIELD : GatewayLabelConvention.LABEL_FIELD;
    LabelFields fields = new LabelFields();
    try {
      CodedInputStream in = CodedInputStream.newInstance(message);
      for (int tag; (tag = in.readTag()) != 0; ) {
        int number = WireFormat.getTagFieldNumber(tag);
        if (number < Long.SIZE) {
          fields.fieldNumbers |= 1L << number;
        } else {
          fields.fieldAbove63 = true;
        }
        if (number <= structural
            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          int length = in.readRawVarint32();
          int start = in.getTotalBytesRead();
          if (length < 0 || length > message.length - start) {
            return null;
          }
          switch (number) {
            case GatewayLabelConvention.LABEL_FIELD -> {
              fields.labelCount++;
              fields.labelStart = start;
              fields.labelLength = length;
            }
            case GatewayLabelConvention.CONTENT_FIELD -> {
              fields.contentCount++;
              fields.contentStart = start;
              fields.contentLength = length;
            }
            default -> {
              fields.bindingCount++;
              fields.bindingStart = start;
              fields.bindingLength = length;
            }
          }
          in.skipRawBytes(length);
        } else if (number <= structural) {
          // the label (and a bound message's content and binding) are messages; any other wire type
          // is not this convention
          return null;
        } else {
          in.skipField(tag);
        }
      }
    } catch (IOException e) {
      return null;
    }
    return fields;
  }

  /**
   * True when every top-level field of the message is one {@code declared} holds (bit n for field
   * n, see {@link GatewayLabelConvention#declaredFields}): nothing rides beside the label, content
   * and binding in a field the recipient's schema does not have.
   */
  public boolean onlyFields(long declared) {
    return !fieldAbove63 && (fieldNumbers & ~declared) == 0;
  }

  /** How many times field 1 occurs; the guard decides only a message labelled exactly once. */
  public int labelCount() {
    return labelCount;
  }

  /** Offset of the last field-1 value in the message; -1 when there is none. */
  public int labelStart() {
    return labelStart;
  }

  public int labelLength() {
    return labelLength;
  }

  public int contentCount() {
    return contentCount;
  }

  /**
   * Offset of the last field-2 value of a bound message; -1 when there is none (or the message is
   * not bound).
   */
  public int contentStart() {
    return contentStart;
  }

  public int contentLength() {
    return contentLength;
  }

  public int bindingCount() {
    return bindingCount;
  }

  public int bindingStart() {
    return bindingStart;
  }

  public int bindingLength() {
    return bindingLength;
  }

  /** The label's bytes exactly as received (what the originator's binding signs). */
  public byte[] labelBytes(byte[] message) {
    return Arrays.copyOfRange(message, labelStart, labelStart + labelLength);
  }

  /** The content's bytes exactly as received (what the originator's binding signs). */
  public byte[] contentBytes(byte[] message) {
    return Arrays.copyOfRange(message, contentStart, contentStart + contentLength);
  }

  /**
   * The label, parsed; throws when field 1 is not a SecurityLabel. Check {@link #labelCount()}
   * first.
   */
  public SecurityLabel label(byte[] message) throws InvalidProtocolBufferException {
    if (labelStart < 0) {
      throw new InvalidProtocolBufferException(
          "the message has no label at field " + GatewayLabelConvention.LABEL_FIELD);
    }
    return SecurityLabel.parser().parseFrom(message, labelStart, labelLength);
  }
}
