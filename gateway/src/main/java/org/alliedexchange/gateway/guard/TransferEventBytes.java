package org.alliedexchange.gateway.guard;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import org.alliedexchange.api.LabelFields;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.TransferRecord;

/**
 * The guard's AuditEvent, serialized field by field: the event's own fields, then {@code transfer}
 * holding the record and, as its {@code label}, the label bytes exactly as the originator's service
 * sent them. Protobuf reads fields in any order, so this parses as the same AuditEvent that setting
 * every field would have built, without decoding and re-encoding each label's strings.
 */
final class TransferEventBytes {

  private static final int TRANSFER_FIELD = AuditEvent.TRANSFER_FIELD_NUMBER;
  private static final int LABEL_FIELD = TransferRecord.LABEL_FIELD_NUMBER;

  private TransferEventBytes() {}

  /**
   * @param message the message the label was read from, or null when it had no readable label
   * @param fields where the label sits in {@code message}
   */
  static byte[] encode(
      TransferRecord transfer,
      String source,
      String traceId,
      Timestamp at,
      byte[] message,
      LabelFields fields) {
    return message == null
        ? encode(transfer, source, traceId, at, null, 0, 0)
        : encode(transfer, source, traceId, at, message, fields.labelStart(), fields.labelLength());
  }

  /**
   * @param labelSource bytes holding the label to record, or null to record none
   * @param labelStart where the label starts in {@code labelSource}
   * @param labelLength how long it is
   */
  static byte[] encode(
      TransferRecord transfer,
      String source,
      String traceId,
      Timestamp at,
      byte[] labelSource,
      int labelStart,
      int labelLength) {
    AuditEvent.Builder event =
        AuditEvent.newBuilder()
            .setEventId(transfer.getTransferId())
            .setOccurredAt(at)
            .setSource(source);
    if (traceId != null) {
      event.setTraceId(traceId);
    }
    AuditEvent head = event.build();
    boolean withLabel = labelSource != null;
    int labelField =
        withLabel
            ? CodedOutputStream.computeTagSize(LABEL_FIELD)
                + CodedOutputStream.computeUInt32SizeNoTag(labelLength)
                + labelLength
            : 0;
    int transferSize = transfer.getSerializedSize() + labelField;
    int headSize = head.getSerializedSize();
    byte[] out =
        new byte
            [headSize
                + CodedOutputStream.computeTagSize(TRANSFER_FIELD)
                + CodedOutputStream.computeUInt32SizeNoTag(transferSize)
                + transferSize];
    CodedOutputStream writer = CodedOutputStream.newInstance(out);
    try {
      head.writeTo(writer);
      writer.writeTag(TRANSFER_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      writer.writeUInt32NoTag(transferSize);
      transfer.writeTo(writer);
      if (withLabel) {
        writer.writeTag(LABEL_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        writer.writeUInt32NoTag(labelLength);
        writer.writeRawBytes(labelSource, labelStart, labelLength);
      }
      writer.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("sizes were computed for this record", e);
    }
    return out;
  }
}
