package org.alliedexchange.gateway.auditors;

import com.google.protobuf.Timestamp;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.label.WireMapping;

/**
 * One CSV row per record (RFC 4180), for auditors who work in a spreadsheet. Every field that a
 * spreadsheet would take for a formula is prefixed with an apostrophe, so a product id or a reason
 * written by someone else can never run as one on the auditor's machine.
 */
final class RecordCsv {

  static final List<String> COLUMNS =
      List.of(
          "relationship",
          "sequence",
          "occurred_at",
          "recorded_at",
          "event_type",
          "event_id",
          "decision",
          "reasons",
          "originator",
          "recipient",
          "recipient_system",
          "recipient_clearance",
          "product_id",
          "topic",
          "product_marking",
          "recipient_marking",
          "agreement_id",
          "method",
          "source",
          "trace_id",
          "summary",
          "record_marking",
          "read_transfer_id",
          "redacted",
          "hash");

  private RecordCsv() {}

  static String header() {
    return String.join(",", COLUMNS) + "\r\n";
  }

  static String row(QueryRecordsResponse record) {
    AuditEvent event = record.getEvent();
    TransferRecord transfer = event.getTransfer();
    boolean isTransfer = event.hasTransfer();
    String[] fields = {
      record.getRelationship(),
      Long.toString(record.getSequence()),
      event.hasOccurredAt() ? instant(event.getOccurredAt()) : "",
      record.hasRecordedAt() ? instant(record.getRecordedAt()) : "",
      record.getRedacted() ? "" : event.getEventCase().name().toLowerCase(java.util.Locale.ROOT),
      event.getEventId(),
      isTransfer ? WireMapping.shortName(transfer.getDecision()) : "",
      isTransfer
          ? transfer.getReasonsList().stream()
              .map(WireMapping::shortName)
              .collect(Collectors.joining(" "))
          : "",
      isTransfer ? transfer.getLabel().getOriginator() : "",
      isTransfer ? transfer.getRecipientNation() : "",
      isTransfer ? transfer.getRecipientSystem() : "",
      isTransfer ? WireMapping.shortName(transfer.getRecipientClearance()) : "",
      isTransfer ? transfer.getProductId() : "",
      isTransfer ? transfer.getTopic() : "",
      isTransfer ? transfer.getLabel().getMarking() : "",
      isTransfer ? transfer.getRecipientMarking() : "",
      isTransfer ? transfer.getAgreementId() : "",
      isTransfer ? transfer.getMethod() : "",
      event.getSource(),
      event.getTraceId(),
      summary(event),
      record.getLabel().hasRelease()
          ? record.getLabel().getRelease().getMarking()
          : record.getLabel().getMarking(),
      record.getLabel().getRelease().getTransferId(),
      Boolean.toString(record.getRedacted()),
      HexFormat.of().formatHex(record.getHash().toByteArray())
    };
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < fields.length; i++) {
      if (i > 0) {
        line.append(',');
      }
      line.append(escape(fields[i]));
    }
    return line.append("\r\n").toString();
  }

  private static String summary(AuditEvent event) {
    return switch (event.getEventCase()) {
      case AGREEMENT_STATUS_CHANGED ->
          event.getAgreementStatusChanged().getAgreementId()
              + " "
              + WireMapping.shortName(event.getAgreementStatusChanged().getPreviousStatus())
              + " -> "
              + WireMapping.shortName(event.getAgreementStatusChanged().getStatus())
              + " by "
              + event.getAgreementStatusChanged().getChangedBy()
              + ": "
              + event.getAgreementStatusChanged().getReason();
      case IDENTITY_CHANGED ->
          event.getIdentityChanged().getOperation()
              + " "
              + event.getIdentityChanged().getResourceType()
              + " "
              + event.getIdentityChanged().getResourcePath()
              + " by "
              + event.getIdentityChanged().getChangedBy()
              + ": "
              + event.getIdentityChanged().getSummary();
      case RELEASABILITY_AMENDED ->
          event.getReleasabilityAmended().getProductId()
              + " releasable to "
              + String.join(" ", event.getReleasabilityAmended().getReleasableToList())
              + " by "
              + event.getReleasabilityAmended().getAmendedBy();
      case BINDING_VIOLATION ->
          event.getBindingViolation().getProductId()
              + ": "
              + event.getBindingViolation().getDetail();
      // a summary of withheld rows says how many, the ids it lists (its first rows': all of them,
      // unless its caller's listing budget ran out), and the digest over all
      case TRANSFER ->
          event.getTransfer().getWithheldCount() == 0
              ? ""
              : event.getTransfer().getWithheldCount()
                  + " rows withheld, listed "
                  + String.join(" ", event.getTransfer().getWithheldProductIdsList())
                  + ", sha256 "
                  + event.getTransfer().getWithheldDigest();
      case PRODUCT_SERVED ->
          event.getProductServed().getProductId()
              + " served by "
              + event.getProductServed().getSourceNation()
              + " to "
              + event.getProductServed().getRecipientSystem()
              + " ("
              + event.getProductServed().getRecipientNation()
              + ") for the gateway's decision";
      case HOTLINE -> {
        var hotline = event.getHotline();
        yield (hotline.getExercise() ? "EXERCISE " : "")
            + hotline.getKind()
            + " "
            + hotline.getConference()
            + (hotline.getMessageId().isEmpty() ? "" : " " + hotline.getMessageId())
            + (hotline.getPrecedence().isEmpty() ? "" : " " + hotline.getPrecedence())
            + (hotline.getReceiptState().isEmpty()
                ? ""
                : " " + hotline.getParty() + " " + hotline.getReceiptState())
            + (hotline.getLinkState().isEmpty() ? "" : " link " + hotline.getLinkState())
            + (hotline.getAlarmStep().isEmpty() ? "" : " alarm " + hotline.getAlarmStep())
            + (hotline.getActor().isEmpty() ? "" : " by " + hotline.getActor())
            + (hotline.getReason().isEmpty() ? "" : ": " + hotline.getReason());
      }
      default -> "";
    };
  }

  static String escape(String value) {
    String safe = value;
    if (!safe.isEmpty() && "=+-@\t\r".indexOf(safe.charAt(0)) >= 0) {
      safe = "'" + safe;
    }
    if (safe.indexOf(',') >= 0
        || safe.indexOf('"') >= 0
        || safe.indexOf('\n') >= 0
        || safe.indexOf('\r') >= 0) {
      return '"' + safe.replace("\"", "\"\"") + '"';
    }
    return safe;
  }

  private static String instant(Timestamp timestamp) {
    return WireMapping.instant(timestamp).toString();
  }
}
