package org.alliedexchange.auditstream;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.Optional;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.ProductServed;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * A serialized AuditEvent with what the audit service would say of it ({@link AuditEventRules}),
 * decided when it was made: {@link AuditBatchWriter#appendChecked} writes it without reading it
 * back. Only this class makes one, so a problem it carries is the rules' own answer.
 */
public final class CheckedEvent {

  private static final int TRANSFER_FIELD = AuditEvent.TRANSFER_FIELD_NUMBER;
  private static final int LABEL_FIELD = TransferRecord.LABEL_FIELD_NUMBER;
  private static final int SERVED_FIELD = AuditEvent.PRODUCT_SERVED_FIELD_NUMBER;
  private static final int SERVED_LABEL_FIELD = ProductServed.LABEL_FIELD_NUMBER;

  private final byte[] bytes;
  private final String problem;

  private CheckedEvent(byte[] bytes, String problem) {
    this.bytes = bytes;
    this.problem = problem;
  }

  /** These bytes, read and checked in full. */
  public static CheckedEvent check(byte[] bytes) {
    return new CheckedEvent(bytes, AuditEventRules.check(bytes).problem());
  }

  /**
   * The guard's transfer event, serialized field by field: the message's own fields (its id, time
   * and decision), the fields every record of its call shares, encoded once per call, and, as the
   * record's label, the label's bytes exactly as the originator's service sent them. Protobuf reads
   * fields in any order, so this parses as the event that setting every field would have built,
   * without encoding the call's strings or the label's again for each message.
   *
   * <p>Checked from its parts, which the guard already holds as objects: the call's fields once per
   * call, the message's here. Every rule concerns one field, so parts that pass make an event that
   * passes. Only an event the parts do not show storable is read back, to say why.
   *
   * @param own the message's own record fields: no label, none of {@code call}'s fields
   * @param label what {@code labelSource[labelStart, labelStart + labelLength)} parses as, or null
   *     (with a null {@code labelSource}) to record no label
   */
  public static CheckedEvent transfer(
      TransferCall call,
      TransferRecord own,
      Timestamp at,
      SecurityLabel label,
      byte[] labelSource,
      int labelStart,
      int labelLength) {
    if ((label == null) != (labelSource == null)) {
      throw new IllegalArgumentException("a label and its bytes, or neither");
    }
    if (own.hasLabel() || TransferCall.overlaps(own)) {
      throw new IllegalArgumentException("the record's own fields hold its label or its call's");
    }
    AuditEvent head =
        AuditEvent.newBuilder().setEventId(own.getTransferId()).setOccurredAt(at).build();
    byte[] callHead = call.headBytes();
    byte[] callRecord = call.recordBytes();
    boolean withLabel = labelSource != null;
    int labelField = withLabel ? fieldSize(LABEL_FIELD, labelLength) : 0;
    int transferSize = own.getSerializedSize() + callRecord.length + labelField;
    byte[] out =
        new byte
            [head.getSerializedSize() + callHead.length + fieldSize(TRANSFER_FIELD, transferSize)];
    CodedOutputStream writer = CodedOutputStream.newInstance(out);
    try {
      head.writeTo(writer);
      writer.writeRawBytes(callHead);
      fieldHead(writer, TRANSFER_FIELD, transferSize);
      own.writeTo(writer);
      writer.writeRawBytes(callRecord);
      if (withLabel) {
        fieldHead(writer, LABEL_FIELD, labelLength);
        writer.writeRawBytes(labelSource, labelStart, labelLength);
      }
      writer.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("sizes were computed for this record", e);
    }
    SecurityLabel recorded = withLabel ? label : SecurityLabel.getDefaultInstance();
    return call.storable() && AuditEventRules.storableTransfer(head, own, recorded, out.length)
        ? new CheckedEvent(out, null)
        : check(out);
  }

  /**
   * An exchange service's served-product event, serialized field by field as {@link #transfer}
   * does: the event's own fields, then {@code product_served} holding the record and, as its label,
   * the label's bytes exactly as they are stored (the live feed serves one stored row to every
   * subscriber, and its label is not encoded again for each).
   *
   * @param head the event's own fields: no event set
   * @param own the record's fields: no label
   * @param label what {@code labelBytes} parse as
   */
  public static CheckedEvent served(
      AuditEvent head, ProductServed own, SecurityLabel label, byte[] labelBytes) {
    if (head.getEventCase() != AuditEvent.EventCase.EVENT_NOT_SET || own.hasLabel()) {
      throw new IllegalArgumentException("the parts hold the event or the label already");
    }
    int servedSize = own.getSerializedSize() + fieldSize(SERVED_LABEL_FIELD, labelBytes.length);
    byte[] out = new byte[head.getSerializedSize() + fieldSize(SERVED_FIELD, servedSize)];
    CodedOutputStream writer = CodedOutputStream.newInstance(out);
    try {
      head.writeTo(writer);
      fieldHead(writer, SERVED_FIELD, servedSize);
      own.writeTo(writer);
      fieldHead(writer, SERVED_LABEL_FIELD, labelBytes.length);
      writer.writeRawBytes(labelBytes);
      writer.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("sizes were computed for this record", e);
    }
    return AuditEventRules.storableServed(head, own, label, out.length)
        ? new CheckedEvent(out, null)
        : check(out);
  }

  /** The encoded size of a length-delimited field holding {@code length} bytes. */
  private static int fieldSize(int field, int length) {
    return CodedOutputStream.computeTagSize(field)
        + CodedOutputStream.computeUInt32SizeNoTag(length)
        + length;
  }

  /** A length-delimited field's tag and length; its {@code length} bytes follow. */
  private static void fieldHead(CodedOutputStream writer, int field, int length)
      throws IOException {
    writer.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    writer.writeUInt32NoTag(length);
  }

  /** The serialized AuditEvent. */
  public byte[] bytes() {
    return bytes;
  }

  /** Why the audit service would not store it; empty when it would. */
  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }
}
