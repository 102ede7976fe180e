package org.alliedexchange.auditstream;

import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.ClassificationLevel;

/**
 * What every transfer record of one call shares: the writer and the trace (the event's), the
 * method, the source nation and the recipient (the record's). Encoded and checked once per call, so
 * each of a stream's messages encodes and checks only its own fields ({@link
 * CheckedEvent#transfer}).
 */
public final class TransferCall {

  private final byte[] headBytes;
  private final byte[] recordBytes;
  private final boolean storable;

  /**
   * @param source the component deciding, e.g. "gateway"
   * @param traceId the call's W3C trace id, or null when it has none
   * @param method the gRPC method the call asked for
   * @param sourceNation the nation whose exchange service answers the call
   * @param recipientClearance the caller's clearance, as the record states it
   */
  public TransferCall(
      String source,
      String traceId,
      String method,
      String sourceNation,
      String recipientNation,
      String recipientSystem,
      ClassificationLevel recipientClearance) {
    this(
        source,
        traceId,
        method,
        sourceNation,
        recipientNation,
        recipientSystem,
        recipientClearance.getNumber());
  }

  /** As above, the clearance as its number on the wire (any number, for tests of the rules). */
  TransferCall(
      String source,
      String traceId,
      String method,
      String sourceNation,
      String recipientNation,
      String recipientSystem,
      int recipientClearance) {
    AuditEvent.Builder event = AuditEvent.newBuilder().setSource(text(source));
    if (traceId != null) {
      event.setTraceId(traceId);
    }
    AuditEvent head = event.build();
    TransferRecord record =
        TransferRecord.newBuilder()
            .setMethod(text(method))
            .setSourceNation(text(sourceNation))
            .setRecipientNation(text(recipientNation))
            .setRecipientSystem(text(recipientSystem))
            .setRecipientClearanceValue(recipientClearance)
            .build();
    this.headBytes = head.toByteArray();
    this.recordBytes = record.toByteArray();
    this.storable = AuditEventRules.storableCallFields(head, record);
  }

  /** The event's shared fields (source, trace id), encoded. */
  byte[] headBytes() {
    return headBytes;
  }

  /** The record's shared fields (method, source nation, recipient), encoded. */
  byte[] recordBytes() {
    return recordBytes;
  }

  /** Whether these fields pass every rule the audit service applies to them. */
  boolean storable() {
    return storable;
  }

  /** True when {@code own} sets a field this call holds: encoded twice, it would read as one. */
  static boolean overlaps(TransferRecord own) {
    return !own.getMethod().isEmpty()
        || !own.getSourceNation().isEmpty()
        || !own.getRecipientNation().isEmpty()
        || !own.getRecipientSystem().isEmpty()
        || own.getRecipientClearanceValue() != 0;
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }
}
