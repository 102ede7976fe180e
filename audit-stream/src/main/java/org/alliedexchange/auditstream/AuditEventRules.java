package org.alliedexchange.auditstream;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.ProtocolMessageEnum;
import com.google.protobuf.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.alliedexchange.api.CanonicalMessages;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.ProductServed;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * What the audit service stores: the one rule the writers check before appending an event (and
 * refuse what it records when the event fails) and the audit service checks before storing it (and
 * dead-letters it when it fails). An event the writers let through is one the log can hold: its
 * strings fit PostgreSQL text columns and relationship names, it has no field nobody interprets,
 * and its size is bounded.
 */
public final class AuditEventRules {

  /** The largest serialized event stored. */
  public static final int MAX_EVENT_BYTES = 256 * 1024;

  /** The longest string that becomes a column (a system, a product id). */
  public static final int MAX_COLUMN_CHARS = 1024;

  /** The most nations one list of an event may name (releasable-to, before and after). */
  public static final int MAX_NATIONS = 256;

  /**
   * Product ids a summary of withheld rows may list: its first rows', every one unless the exchange
   * service's listing budget for the caller ran out, at most {@code WithheldSummary.MAX_ROWS}
   * (1,000) per summary (summaries written before 2026-11-28 list their first 100).
   */
  public static final int MAX_WITHHELD_PRODUCT_IDS = 1_000;

  /** The most parties of one agreement: each pair of them is a relationship to record. */
  public static final int MAX_PARTIES = 16;

  private static final Pattern NATION = Pattern.compile("[A-Z]{3}");
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  // google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z
  private static final long MIN_SECONDS = -62_135_596_800L;
  private static final long MAX_SECONDS = 253_402_300_799L;

  private AuditEventRules() {}

  /** Whether {@code code} is a nation as the log names it: ISO 3166-1 alpha-3, upper case. */
  public static boolean isNation(String code) {
    return code != null && NATION.matcher(code).matches();
  }

  /**
   * One event off the stream, checked.
   *
   * @param event the event, or null when the bytes are not one
   * @param problem why it would not be stored, or null when it would
   */
  public record Checked(AuditEvent event, String problem) {}

  /** These bytes, as one event off the stream, read and checked. */
  public static Checked check(byte[] bytes) {
    if (bytes.length > MAX_EVENT_BYTES) {
      return new Checked(
          null,
          "the event is " + bytes.length + " bytes, more than " + MAX_EVENT_BYTES + " are stored");
    }
    AuditEvent event;
    try {
      event = AuditEvent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return new Checked(null, "not an AuditEvent: " + printable(e.getMessage(), 200));
    }
    return new Checked(event, problem(event).orElse(null));
  }

  /** Why these bytes, as one event off the stream, would not be stored; empty when they would. */
  public static Optional<String> problem(byte[] bytes) {
    return Optional.ofNullable(check(bytes).problem());
  }

  /** Throws {@link UnstorableAuditEvent} when the audit service would not store this event. */
  public static void require(AuditEvent event) {
    Optional<String> problem = problem(event);
    if (problem.isPresent()) {
      throw new UnstorableAuditEvent(problem.get());
    }
  }

  /** Why this event would not be stored; empty when it would. */
  public static Optional<String> problem(AuditEvent event) {
    if (event.getEventCase() == AuditEvent.EventCase.TRANSFER && storableTransfer(event)) {
      // the common case, decided without allocating; anything else is looked at in full below
      return Optional.empty();
    }
    if (event.getEventCase() == AuditEvent.EventCase.PRODUCT_SERVED && storableServed(event)) {
      // an exchange service writes one per product it serves: as common as transfers
      return Optional.empty();
    }
    int size = event.getSerializedSize();
    if (size > MAX_EVENT_BYTES) {
      return Optional.of(
          "the event is " + size + " bytes, more than " + MAX_EVENT_BYTES + " are stored");
    }
    // the guard writes a transfer record per message: its known shape is checked directly, and
    // only an event that fails that is walked field by field, to say where
    if (!(event.getEventCase() == AuditEvent.EventCase.TRANSFER && plainTransfer(event))) {
      Optional<String> unknown = CanonicalMessages.firstUnknownField(event);
      if (unknown.isPresent()) {
        return Optional.of("unknown field at " + unknown.get());
      }
      Optional<String> text = badString(event, "");
      if (text.isPresent()) {
        return text;
      }
    }
    if (!UUID.matcher(event.getEventId()).matches()) {
      return Optional.of("event_id is not a UUID: " + quote(event.getEventId()));
    }
    if (event.hasOccurredAt() && !valid(event.getOccurredAt())) {
      return Optional.of("occurred_at is outside google.protobuf.Timestamp's range");
    }
    return switch (event.getEventCase()) {
      case TRANSFER -> transferProblem(event.getTransfer());
      case RELEASABILITY_AMENDED -> {
        var amended = event.getReleasabilityAmended();
        yield first(
            nation("releasability_amended.originator", amended.getOriginator(), true),
            nations(
                "releasability_amended.previous_releasable_to",
                amended.getPreviousReleasableToList(),
                MAX_NATIONS),
            nations(
                "releasability_amended.releasable_to", amended.getReleasableToList(), MAX_NATIONS));
      }
      case AGREEMENT_STATUS_CHANGED -> {
        var changed = event.getAgreementStatusChanged();
        yield first(
            nations("agreement_status_changed.parties", changed.getPartiesList(), MAX_PARTIES),
            known(
                "agreement_status_changed.previous_status",
                changed.getPreviousStatusValue(),
                changed.getPreviousStatus()),
            known("agreement_status_changed.status", changed.getStatusValue(), changed.getStatus()),
            changed.hasEffectiveAt() && !valid(changed.getEffectiveAt())
                ? Optional.of(
                    "agreement_status_changed.effective_at is outside google.protobuf.Timestamp's range")
                : Optional.empty());
      }
      case IDENTITY_CHANGED ->
          nation("identity_changed.nation", event.getIdentityChanged().getNation(), false);
      case BINDING_VIOLATION ->
          nation("binding_violation.nation", event.getBindingViolation().getNation(), false);
      case PRODUCT_SERVED -> {
        var served = event.getProductServed();
        yield first(
            nation("product_served.recipient_nation", served.getRecipientNation(), true),
            nation("product_served.source_nation", served.getSourceNation(), true),
            nation("product_served.label.originator", served.getLabel().getOriginator(), false),
            nation("product_served.label.policy", served.getLabel().getPolicy(), false),
            nations(
                "product_served.label.releasable_to",
                served.getLabel().getReleasableToList(),
                MAX_NATIONS),
            known(
                "product_served.recipient_clearance",
                served.getRecipientClearanceValue(),
                served.getRecipientClearance()),
            known(
                "product_served.label.level",
                served.getLabel().getLevelValue(),
                served.getLabel().getLevel()));
      }
      case HOTLINE -> {
        var hotline = event.getHotline();
        yield first(
            nation("hotline.node", hotline.getNode(), true),
            hotline.getPartiesCount() == 0
                ? Optional.of("hotline.parties is empty: the step concerns no nation")
                : nations("hotline.parties", hotline.getPartiesList(), MAX_PARTIES),
            nation("hotline.party", hotline.getParty(), false),
            known("hotline.kind", hotline.getKindValue(), hotline.getKind()),
            nation("hotline.label.originator", hotline.getLabel().getOriginator(), false),
            nations(
                "hotline.label.releasable_to",
                hotline.getLabel().getReleasableToList(),
                MAX_NATIONS));
      }
      case EVENT_NOT_SET ->
          Optional.of("the event has no kind (none of its `event` fields is set)");
    };
  }

  /**
   * True when a transfer event has no unknown field and no bad text anywhere, checked on the
   * schema's known shape without reflection; false when it may have either (then the generic walk
   * decides, and names the field). {@code AuditEventRulesTest} fails when the schema grows a field
   * this does not look at.
   */
  static boolean plainTransfer(AuditEvent event) {
    return plainTransfer(event, event.getTransfer(), event.getTransfer().getLabel());
  }

  /**
   * As {@link #plainTransfer(AuditEvent)}, for the event's parts: {@code head} for the event's own
   * fields, {@code transfer} for the record's but its label, {@code label} for the label's.
   */
  private static boolean plainTransfer(
      AuditEvent head, TransferRecord transfer, SecurityLabel label) {
    if (unknown(head) || unknown(head.getOccurredAt())) {
      return false;
    }
    if (!plain(head.getEventId()) || !plain(head.getSource()) || !plain(head.getTraceId())) {
      return false;
    }
    if (unknown(transfer)
        || !plain(transfer.getTransferId())
        || !plain(transfer.getProductId())
        || !plain(transfer.getTopic())
        || !plain(transfer.getRecipientNation())
        || !plain(transfer.getRecipientSystem())
        || !plain(transfer.getRecipientMarking())
        || !plain(transfer.getAgreementId())
        || !plain(transfer.getMethod())
        || !plain(transfer.getSourceNation())
        || !plainAll(transfer.getWithheldProductIdsList())
        || !plain(transfer.getWithheldDigest())) {
      return false;
    }
    if (unknown(label)
        || unknown(label.getCreatedAt())
        || unknown(label.getReviewAt())
        || !plain(label.getPolicy())
        || !plain(label.getMarking())
        || !plain(label.getOriginator())
        || !plainAll(label.getReleasableToList())
        || !plainAll(label.getCommunitiesList())) {
      return false;
    }
    if (!label.hasRelease()) {
      return true;
    }
    var release = label.getRelease();
    return !unknown(release)
        && !unknown(release.getReleasedAt())
        && plain(release.getRecipientNation())
        && plain(release.getMarking())
        && plain(release.getTransferId())
        && plain(release.getAgreementId());
  }

  /**
   * True only when a served-product event passes every rule {@link #problem} applies to it, checked
   * on the schema's known shape by hand, as {@link #storableTransfer} does; false sends it to the
   * full check. {@code AuditEventRulesTest} fails when ProductServed grows a field this does not
   * look at.
   */
  static boolean storableServed(AuditEvent event) {
    return event.getSerializedSize() <= MAX_EVENT_BYTES
        && storableServed(event, event.getProductServed(), event.getProductServed().getLabel());
  }

  /**
   * As {@link #storableServed(AuditEvent)}, for a served-product event written from its parts (an
   * exchange service's, {@link CheckedEvent#served}) whose size is known: {@code head} holds the
   * event's own fields and no event, {@code served} the record's and no label, {@code label} the
   * label.
   */
  static boolean storableServed(
      AuditEvent head, ProductServed served, SecurityLabel label, int size) {
    return size <= MAX_EVENT_BYTES
        && head.getEventCase() == AuditEvent.EventCase.EVENT_NOT_SET
        && !served.hasLabel()
        && storableServed(head, served, label);
  }

  private static boolean storableServed(
      AuditEvent event, ProductServed served, SecurityLabel label) {
    if (unknown(event)
        || unknown(event.getOccurredAt())
        || !plain(event.getEventId())
        || !plain(event.getSource())
        || !plain(event.getTraceId())
        || !isUuid(event.getEventId())
        || (event.hasOccurredAt() && !valid(event.getOccurredAt()))) {
      return false;
    }
    if (unknown(served)
        || !plain(served.getProductId())
        || !plain(served.getTopic())
        || !plain(served.getRecipientSystem())
        || !plain(served.getMethod())
        || !isNationByHand(served.getRecipientNation())
        || !isNationByHand(served.getSourceNation())
        || served.getRecipientClearance()
            == org.alliedexchange.api.label.v1.ClassificationLevel.UNRECOGNIZED) {
      return false;
    }
    if (unknown(label)
        || label.hasRelease()
        || unknown(label.getCreatedAt())
        || unknown(label.getReviewAt())
        || !plain(label.getMarking())
        || !plainAll(label.getCommunitiesList())
        || !optionalNation(label.getOriginator())
        || !optionalNation(label.getPolicy())
        || label.getReleasableToCount() > MAX_NATIONS
        || label.getLevel() == org.alliedexchange.api.label.v1.ClassificationLevel.UNRECOGNIZED) {
      return false;
    }
    for (int i = 0; i < label.getReleasableToCount(); i++) {
      if (!isNationByHand(label.getReleasableTo(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * True only when a transfer event passes every rule {@link #problem} applies to it, checked by
   * hand (no regex, no Optional): the guard checks one per released message. False sends it to the
   * full check, which says what is wrong.
   */
  static boolean storableTransfer(AuditEvent event) {
    return event.getSerializedSize() <= MAX_EVENT_BYTES
        && storableTransfer(event, event.getTransfer(), event.getTransfer().getLabel());
  }

  /**
   * As {@link #storableTransfer(AuditEvent)}, for a transfer event written from its parts (the
   * guard's, {@link CheckedEvent#transfer}) whose size is known: {@code head} holds the event's own
   * fields and no transfer, {@code transfer} the record's and no label, {@code label} the label.
   * Read back, the parts' bytes are an event with exactly these fields, so this decides as the full
   * check would, without reading them back.
   */
  static boolean storableTransfer(
      AuditEvent head, TransferRecord transfer, SecurityLabel label, int size) {
    return size <= MAX_EVENT_BYTES
        && head.getEventCase() == AuditEvent.EventCase.EVENT_NOT_SET
        && !transfer.hasLabel()
        && storableTransfer(head, transfer, label);
  }

  /**
   * True only when the fields every transfer record of one call shares ({@link TransferCall}: the
   * event's source and trace id, the record's method, source nation and recipient) pass every rule
   * {@link #problem} applies to them; the rest of each record is checked with its message.
   */
  static boolean storableCallFields(AuditEvent head, TransferRecord transfer) {
    return head.getEventId().isEmpty()
        && !head.hasOccurredAt()
        && head.getEventCase() == AuditEvent.EventCase.EVENT_NOT_SET
        && !transfer.hasLabel()
        && storableFields(head, transfer, SecurityLabel.getDefaultInstance());
  }

  private static boolean storableTransfer(
      AuditEvent event, TransferRecord transfer, SecurityLabel label) {
    return isUuid(event.getEventId()) && storableFields(event, transfer, label);
  }

  /** Every rule of a transfer event but the event id's, which a call's shared fields lack. */
  private static boolean storableFields(
      AuditEvent event, TransferRecord transfer, SecurityLabel label) {
    if (!plainTransfer(event, transfer, label)) {
      return false;
    }
    if (event.hasOccurredAt() && !valid(event.getOccurredAt())) {
      return false;
    }
    if (!optionalNation(transfer.getRecipientNation())
        || !optionalNation(transfer.getSourceNation())
        || !optionalNation(label.getOriginator())
        || !optionalNation(label.getPolicy())
        || label.getReleasableToCount() > MAX_NATIONS
        || !columnByHand(transfer.getRecipientSystem())
        || !columnByHand(transfer.getProductId())
        || transfer.getWithheldProductIdsCount() > MAX_WITHHELD_PRODUCT_IDS
        || !digest(transfer.getWithheldDigest())) {
      return false;
    }
    for (int i = 0; i < transfer.getWithheldProductIdsCount(); i++) {
      if (!columnByHand(transfer.getWithheldProductIds(i))) {
        return false;
      }
    }
    for (int i = 0; i < label.getReleasableToCount(); i++) {
      if (!isNationByHand(label.getReleasableTo(i))) {
        return false;
      }
    }
    if (transfer.getDecision() == org.alliedexchange.api.audit.v1.Decision.UNRECOGNIZED
        || transfer.getRecipientClearance()
            == org.alliedexchange.api.label.v1.ClassificationLevel.UNRECOGNIZED
        || label.getLevel() == org.alliedexchange.api.label.v1.ClassificationLevel.UNRECOGNIZED) {
      return false;
    }
    for (int i = 0; i < transfer.getReasonsCount(); i++) {
      if (transfer.getReasons(i) == org.alliedexchange.api.audit.v1.DenyReason.UNRECOGNIZED) {
        return false;
      }
    }
    return true;
  }

  /** As {@link #column}: bounded, and no control character at all (not even a tab). */
  private static boolean columnByHand(String value) {
    if (value.length() > MAX_COLUMN_CHARS) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean optionalNation(String code) {
    return code.isEmpty() || isNationByHand(code);
  }

  private static boolean isNationByHand(String code) {
    return code.length() == 3
        && upper(code.charAt(0))
        && upper(code.charAt(1))
        && upper(code.charAt(2));
  }

  private static boolean upper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  private static boolean isUuid(String text) {
    if (text.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = text.charAt(i);
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash
          ? c != '-'
          : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean unknown(MessageOrBuilder message) {
    return message.getUnknownFields().getSerializedSize() != 0;
  }

  private static boolean plainAll(List<String> values) {
    for (int i = 0; i < values.size(); i++) {
      if (!plain(values.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** No control character but tab, line feed and carriage return, no surrogate at all. */
  private static boolean plain(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r')
          || (c >= 0x7f && c <= 0x9f)
          || Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static Optional<String> transferProblem(TransferRecord transfer) {
    SecurityLabel label = transfer.getLabel();
    Optional<String> reasons = Optional.empty();
    for (int i = 0; i < transfer.getReasonsCount() && reasons.isEmpty(); i++) {
      reasons =
          known("transfer.reasons[" + i + "]", transfer.getReasonsValue(i), transfer.getReasons(i));
    }
    return first(
        nation("transfer.recipient_nation", transfer.getRecipientNation(), false),
        nation("transfer.source_nation", transfer.getSourceNation(), false),
        nation("transfer.label.originator", label.getOriginator(), false),
        nation("transfer.label.policy", label.getPolicy(), false),
        nations("transfer.label.releasable_to", label.getReleasableToList(), MAX_NATIONS),
        column("transfer.recipient_system", transfer.getRecipientSystem()),
        column("transfer.product_id", transfer.getProductId()),
        known("transfer.decision", transfer.getDecisionValue(), transfer.getDecision()),
        known(
            "transfer.recipient_clearance",
            transfer.getRecipientClearanceValue(),
            transfer.getRecipientClearance()),
        known("transfer.label.level", label.getLevelValue(), label.getLevel()),
        reasons,
        withheldProblem(transfer));
  }

  /** A summary of withheld rows: a bounded list of ids, each a column's text, and a digest. */
  private static Optional<String> withheldProblem(TransferRecord transfer) {
    List<String> ids = transfer.getWithheldProductIdsList();
    if (ids.size() > MAX_WITHHELD_PRODUCT_IDS) {
      return Optional.of(
          "transfer.withheld_product_ids names "
              + ids.size()
              + " products, more than "
              + MAX_WITHHELD_PRODUCT_IDS);
    }
    for (int i = 0; i < ids.size(); i++) {
      Optional<String> problem = column("transfer.withheld_product_ids[" + i + "]", ids.get(i));
      if (problem.isPresent()) {
        return problem;
      }
    }
    if (!digest(transfer.getWithheldDigest())) {
      return Optional.of(
          "transfer.withheld_digest is not a SHA-256 in lowercase hex: "
              + quote(transfer.getWithheldDigest()));
    }
    return Optional.empty();
  }

  /** Empty, or 64 lowercase hex digits. */
  private static boolean digest(String value) {
    if (value.isEmpty()) {
      return true;
    }
    if (value.length() != 64) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  @SafeVarargs
  private static Optional<String> first(Optional<String>... problems) {
    for (Optional<String> problem : problems) {
      if (problem.isPresent()) {
        return problem;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> nation(String field, String value, boolean required) {
    if (value.isEmpty() ? required : !isNation(value)) {
      return Optional.of(
          field + " is not an ISO 3166-1 alpha-3 nation in upper case: " + quote(value));
    }
    return Optional.empty();
  }

  private static Optional<String> nations(String field, List<String> values, int max) {
    if (values.size() > max) {
      return Optional.of(field + " names " + values.size() + " nations, more than " + max);
    }
    for (int i = 0; i < values.size(); i++) {
      if (!isNation(values.get(i))) {
        return Optional.of(
            field
                + "["
                + i
                + "] is not an ISO 3166-1 alpha-3 nation in upper case: "
                + quote(values.get(i)));
      }
    }
    return Optional.empty();
  }

  /** A string stored in a column of its own: printable, bounded. */
  private static Optional<String> column(String field, String value) {
    if (value.length() > MAX_COLUMN_CHARS) {
      return Optional.of(
          field + " is " + value.length() + " characters, more than " + MAX_COLUMN_CHARS);
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        return Optional.of(field + " holds a control character: " + quote(value));
      }
    }
    return Optional.empty();
  }

  private static Optional<String> known(String field, int number, ProtocolMessageEnum value) {
    if (value instanceof Enum<?> constant && constant.name().equals("UNRECOGNIZED")) {
      return Optional.of(field + " is " + number + ", not a value the schema knows");
    }
    return Optional.empty();
  }

  /**
   * The first string, at any depth, holding NUL, another control character but tab, line feed and
   * carriage return, or a lone surrogate (which UTF-8 cannot carry).
   */
  private static Optional<String> badString(MessageOrBuilder message, String path) {
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      FieldDescriptor descriptor = field.getKey();
      String name = path.isEmpty() ? descriptor.getName() : path + "." + descriptor.getName();
      List<?> values =
          descriptor.isRepeated() ? (List<?>) field.getValue() : List.of(field.getValue());
      for (int i = 0; i < values.size(); i++) {
        String at = descriptor.isRepeated() ? name + "[" + i + "]" : name;
        Object value = values.get(i);
        Optional<String> found = Optional.empty();
        if (value instanceof String text) {
          found = badText(at, text);
        } else if (value instanceof MessageOrBuilder nested) {
          found = badString(nested, at);
        }
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> badText(String field, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return Optional.of(field + " holds a lone UTF-16 surrogate: " + quote(text));
      } else if (c == 0) {
        return Optional.of(field + " holds NUL: " + quote(text));
      } else if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
        return Optional.of(field + " holds a control character: " + quote(text));
      }
    }
    return Optional.empty();
  }

  private static boolean valid(Timestamp at) {
    return at.getSeconds() >= MIN_SECONDS
        && at.getSeconds() <= MAX_SECONDS
        && at.getNanos() >= 0
        && at.getNanos() <= 999_999_999;
  }

  private static String quote(String value) {
    return "\"" + printable(value, 80) + "\"";
  }

  /**
   * {@code text} safe to log, store and show: control characters and lone surrogates as {@code
   * \\uXXXX}, at most {@code max} characters then an ellipsis.
   */
  public static String printable(String text, int max) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      if (out.length() >= max) {
        return out.append('…').toString();
      }
      char c = text.charAt(i);
      boolean pair =
          Character.isHighSurrogate(c)
              && i + 1 < text.length()
              && Character.isLowSurrogate(text.charAt(i + 1));
      if (pair) {
        out.append(c).append(text.charAt(++i));
      } else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
