package org.alliedexchange.gateway.guard;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.WireFormat;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.alliedexchange.api.GatewayLabelConvention;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.ProtoLabels;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.Reason;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.alliedexchange.accesstoken.Caller;

/**
 * Decides one response message for one caller, without knowing the message's schema beyond the gateway
 * label convention: field 1 is the label; in a bound message, field 2 the content and field 3 the
 * originator's binding. The message's own bytes are never re-encoded: a released message is the
 * original bytes followed by one more field-1 occurrence carrying {@link Release}, which protobuf
 * merges into the label on the recipient's side.
 *
 * <p>Anything the guard cannot read (not protobuf, no label, a second label, a release the backend set
 * itself, a binding that does not verify with the originator's key) is withheld and recorded as such.
 */
public final class MessageGuard {

  /** Where the decision was made, for the audit record. */
  public static final String SOURCE = "gateway";

  private final Supplier<ReleasabilityEngine> engine;
  private final Map<String, BindingVerifier> verifiersByNation;

  /**
   * @param engine            the engine for the federation as it stands now (agreements change while calls run)
   * @param verifiersByNation each nation's binding verifier, trusting only that nation's keys
   */
  public MessageGuard(Supplier<ReleasabilityEngine> engine, Map<String, BindingVerifier> verifiersByNation) {
    this.engine = engine;
    this.verifiersByNation = Map.copyOf(verifiersByNation);
  }

  /**
   * The guard's answer for one message.
   *
   * @param released   the bytes to send (original + appended release), or null when withheld
   * @param reasons    why it was withheld; empty when released
   * @param record     the serialized AuditEvent for this decision, to be written before {@code released} leaves
   * @param transferId the decision's transfer id (the record's event id)
   * @param productId  the product's id, when the message is a readable product
   */
  public record Verdict(byte[] released, Set<Reason> reasons, boolean bindingInvalid, byte[] record, String transferId,
      String productId) {
    public boolean permitted() {
      return released != null;
    }
  }

  /** The call a message belongs to, as the audit record names it. */
  public record CallInfo(Caller caller, String method, String sourceNation, String traceId) {}

  public Verdict decide(byte[] message, boolean bound, CallInfo call, Instant now) {
    String transferId = transferId(now);
    TransferRecord.Builder record = TransferRecord.newBuilder()
        .setTransferId(transferId)
        .setRecipientNation(call.caller().nation())
        .setRecipientSystem(call.caller().system())
        .setRecipientClearance(ProtoLabels.toProto(call.caller().clearance()))
        .setMethod(call.method())
        .setSourceNation(call.sourceNation());
    Fields fields = Fields.scan(message, bound);
    SecurityLabel label = null;
    if (fields != null && fields.labelCount == 1) {
      try {
        label = SecurityLabel.parser().parseFrom(message, fields.labelStart, fields.labelLength);
      } catch (InvalidProtocolBufferException e) {
        label = null;
      }
    }
    if (label == null || label.hasRelease()) {
      // unreadable, unlabelled, labelled twice, or carrying a release only the gateway may add
      return withheld(record, EnumSet.of(Reason.LABEL_INVALID), false, call, now, transferId, null);
    }
    if (bound && fields.contentStart >= 0) {
      readContentIds(message, fields, record);
    }
    Decision decision = engine.get().decide(ProtoLabels.toDomain(label), call.caller().asRecipient(), now);
    boolean bindingInvalid = bound && !bindingVerifies(message, fields, label);
    if (!decision.permitted() || bindingInvalid) {
      EnumSet<Reason> reasons = decision.reasons().isEmpty() ? EnumSet.noneOf(Reason.class) : EnumSet.copyOf(decision.reasons());
      return withheld(record, reasons, bindingInvalid, call, now, transferId, new LabelBytes(message, fields));
    }
    Timestamp at = timestamp(now);
    Release.Builder release = Release.newBuilder()
        .setRecipientNation(call.caller().nation())
        .setMarking(decision.marking())
        .setTransferId(transferId)
        .setReleasedAt(at);
    if (decision.agreementId() != null) {
      release.setAgreementId(decision.agreementId());
      record.setAgreementId(decision.agreementId());
    }
    record.setDecision(org.alliedexchange.api.audit.v1.Decision.DECISION_PERMIT).setRecipientMarking(decision.marking());
    return new Verdict(appendRelease(message, release.build()), Set.of(), false,
        event(record, call, at, transferId, new LabelBytes(message, fields)), transferId, record.getProductId());
  }

  /** Where a message's label sits, so the record can carry it as received instead of re-encoding it. */
  private record LabelBytes(byte[] message, Fields fields) {}

  private Verdict withheld(TransferRecord.Builder record, EnumSet<Reason> reasons, boolean bindingInvalid, CallInfo call,
      Instant now, String transferId, LabelBytes label) {
    record.setDecision(org.alliedexchange.api.audit.v1.Decision.DECISION_DENY);
    for (Reason reason : reasons) {
      record.addReasons(DenyReason.valueOf("DENY_REASON_" + reason.name()));
    }
    if (bindingInvalid) {
      record.addReasons(DenyReason.DENY_REASON_BINDING_INVALID);
    }
    return new Verdict(null, reasons, bindingInvalid, event(record, call, timestamp(now), transferId, label), transferId,
        record.getProductId());
  }

  /**
   * The AuditEvent, serialized field by field: the event's own fields, then {@code transfer} (10) holding
   * the record and, as its {@code label} (6), the label bytes exactly as the originator's service sent
   * them. Protobuf reads fields in any order, so this parses as the same AuditEvent that setting every
   * field would have built, without decoding and re-encoding each label's strings.
   */
  private static byte[] event(TransferRecord.Builder record, CallInfo call, Timestamp at, String transferId, LabelBytes label) {
    AuditEvent.Builder event = AuditEvent.newBuilder().setEventId(transferId).setOccurredAt(at).setSource(SOURCE);
    if (call.traceId() != null) {
      event.setTraceId(call.traceId());
    }
    AuditEvent head = event.build();
    TransferRecord transfer = record.build();
    int labelLength = label == null ? 0 : label.fields().labelLength;
    int labelField = label == null ? 0
        : CodedOutputStream.computeTagSize(6) + CodedOutputStream.computeUInt32SizeNoTag(labelLength) + labelLength;
    int transferSize = transfer.getSerializedSize() + labelField;
    int headSize = head.getSerializedSize();
    byte[] out = new byte[headSize + CodedOutputStream.computeTagSize(10) + CodedOutputStream.computeUInt32SizeNoTag(transferSize) + transferSize];
    CodedOutputStream writer = CodedOutputStream.newInstance(out);
    try {
      head.writeTo(writer);
      writer.writeTag(10, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      writer.writeUInt32NoTag(transferSize);
      transfer.writeTo(writer);
      if (label != null) {
        writer.writeTag(6, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        writer.writeUInt32NoTag(labelLength);
        writer.writeRawBytes(label.message(), label.fields().labelStart, labelLength);
      }
      writer.checkNoSpaceLeft();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("sizes were computed for this record", e);
    }
    return out;
  }

  private boolean bindingVerifies(byte[] message, Fields fields, SecurityLabel label) {
    if (fields.contentCount != 1 || fields.bindingCount != 1) {
      // a second content would be merged by the recipient but not covered by the check
      return false;
    }
    BindingVerifier verifier = verifiersByNation.get(label.getOriginator());
    if (verifier == null) {
      return false;
    }
    try {
      Binding binding = Binding.parser().parseFrom(message, fields.bindingStart, fields.bindingLength);
      byte[] labelBytes = java.util.Arrays.copyOfRange(message, fields.labelStart, fields.labelStart + fields.labelLength);
      byte[] content = java.util.Arrays.copyOfRange(message, fields.contentStart, fields.contentStart + fields.contentLength);
      return verifier.verify(label.getOriginator(), labelBytes, content, binding).valid();
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  /** Product id (field 1) and topic (field 2) of the content, for the record; the rest is skipped. */
  private static void readContentIds(byte[] message, Fields fields, TransferRecord.Builder record) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(message, fields.contentStart, fields.contentLength);
      for (int tag; (tag = in.readTag()) != 0; ) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case 1 -> record.setProductId(in.readStringRequireUtf8());
          case 2 -> record.setTopic(in.readStringRequireUtf8());
          default -> in.skipField(tag);
        }
      }
    } catch (java.io.IOException e) {
      // the binding check refuses unreadable content; the record just lacks the ids
    }
  }

  /** The original bytes, then field 1 again holding only the release. */
  static byte[] appendRelease(byte[] message, Release release) {
    int releaseSize = release.getSerializedSize();
    // SecurityLabel { release = 15 }: tag 15/LEN, length, release bytes
    int labelSize = CodedOutputStream.computeTagSize(15) + CodedOutputStream.computeUInt32SizeNoTag(releaseSize) + releaseSize;
    int appended = CodedOutputStream.computeTagSize(GatewayLabelConvention.LABEL_FIELD)
        + CodedOutputStream.computeUInt32SizeNoTag(labelSize) + labelSize;
    byte[] out = new byte[message.length + appended];
    System.arraycopy(message, 0, out, 0, message.length);
    CodedOutputStream tail = CodedOutputStream.newInstance(out, message.length, appended);
    try {
      tail.writeTag(GatewayLabelConvention.LABEL_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      tail.writeUInt32NoTag(labelSize);
      tail.writeTag(15, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      tail.writeUInt32NoTag(releaseSize);
      release.writeTo(tail);
      tail.checkNoSpaceLeft();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("sizes were computed for this release", e);
    }
    return out;
  }

  private static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }

  /** A UUID version 7: time-ordered, so transfer records index well; 74 random bits keep it unique. */
  static String transferId(Instant now) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long millis = now.toEpochMilli();
    long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new java.util.UUID(high, low).toString();
  }

  /** Where fields 1, 2 and 3 sit in a message; null when it is not well-formed protobuf. */
  static final class Fields {
    int labelCount;
    int labelStart = -1;
    int labelLength;
    int contentCount;
    int contentStart = -1;
    int contentLength;
    int bindingCount;
    int bindingStart = -1;
    int bindingLength;

    /** @param bound whether fields 2 and 3 are the content and the binding; in any other message only field 1 is the guard's */
    static Fields scan(byte[] message, boolean bound) {
      int structural = bound ? 3 : 1;
      Fields fields = new Fields();
      try {
        CodedInputStream in = CodedInputStream.newInstance(message);
        for (int tag; (tag = in.readTag()) != 0; ) {
          int number = WireFormat.getTagFieldNumber(tag);
          if (number <= structural && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int length = in.readRawVarint32();
            int start = in.getTotalBytesRead();
            if (length < 0 || start + length > message.length) {
              return null;
            }
            switch (number) {
              case 1 -> {
                fields.labelCount++;
                fields.labelStart = start;
                fields.labelLength = length;
              }
              case 2 -> {
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
            // the label (and a bound message's content and binding) are messages; any other wire type is not this convention
            return null;
          } else {
            in.skipField(tag);
          }
        }
      } catch (java.io.IOException e) {
        return null;
      }
      return fields;
    }
  }
}
