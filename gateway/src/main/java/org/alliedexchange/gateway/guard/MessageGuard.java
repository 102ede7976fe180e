package org.alliedexchange.gateway.guard;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.AppendedRelease;
import org.alliedexchange.api.LabelFields;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.auditstream.CheckedEvent;
import org.alliedexchange.auditstream.EventIds;
import org.alliedexchange.auditstream.TransferCall;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.ProtoLabels;
import org.alliedexchange.label.TransferRecordBuilder;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.Reason;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides one response message for one caller, without knowing the message's schema beyond the
 * gateway label convention: field 1 is the label; in a bound message, field 2 the content and field
 * 3 the originator's binding. The message's own bytes are never re-encoded: a released message is
 * the original bytes followed by one more field-1 occurrence carrying {@link Release} ({@link
 * AppendedRelease}), which protobuf merges into the label on the recipient's side.
 *
 * <p>Anything the guard cannot read (not protobuf, no label, a second label, a release the backend
 * set itself, a binding that does not verify with the originator's key, or a binding older than one
 * already seen for the product) is withheld and recorded as such.
 */
public final class MessageGuard {

  private static final Logger LOG = LoggerFactory.getLogger(MessageGuard.class);

  /** Where the decision was made, for the audit record. */
  public static final String SOURCE = "gateway";

  private final Supplier<ReleasabilityEngine> engine;
  private final Map<String, BindingVerifier> verifiersByNation;
  private final NewestVersions versions;
  private final Consumer<Verdict> decisions;

  /**
   * @param engine the engine for the federation as it stands now (agreements change while calls
   *     run)
   * @param verifiersByNation each nation's binding verifier, trusting only that nation's keys
   * @param versions the newest signed version seen of each product: an older one is withheld
   */
  public MessageGuard(
      Supplier<ReleasabilityEngine> engine,
      Map<String, BindingVerifier> verifiersByNation,
      NewestVersions versions) {
    this(engine, verifiersByNation, versions, verdict -> {});
  }

  /** As above, telling {@code decisions} of every verdict (the decision counters). */
  public MessageGuard(
      Supplier<ReleasabilityEngine> engine,
      Map<String, BindingVerifier> verifiersByNation,
      NewestVersions versions,
      Consumer<Verdict> decisions) {
    this.engine = engine;
    this.verifiersByNation = Map.copyOf(verifiersByNation);
    this.versions = versions;
    this.decisions = decisions;
  }

  /** A guard remembering versions on its own, shared with no other gateway. */
  public MessageGuard(
      Supplier<ReleasabilityEngine> engine, Map<String, BindingVerifier> verifiersByNation) {
    this(engine, verifiersByNation, new NewestVersions(100_000, seen -> {}));
  }

  /**
   * The guard's answer for one message.
   *
   * @param released the bytes to send (original + appended release), or null when withheld
   * @param reasons why it was withheld; empty when released
   * @param record the AuditEvent for this decision, checked as the audit service will, to be
   *     written before {@code released} leaves
   * @param transferId the decision's transfer id (the record's event id)
   * @param productId the product's id, when the message is a readable product
   * @param group what a withheld message shares with the others its summary stands for (originator,
   *     policy, level, marking, reasons); null when released
   */
  public record Verdict(
      byte[] released,
      Set<Reason> reasons,
      boolean bindingInvalid,
      CheckedEvent record,
      String transferId,
      String productId,
      String group) {
    public boolean permitted() {
      return released != null;
    }
  }

  /**
   * The call a message belongs to, as the audit record names it; what every record of the call
   * shares is encoded and checked once, here ({@link TransferCall}).
   */
  public static final class CallInfo {
    private final Caller caller;
    private final String method;
    private final String sourceNation;
    private final String traceId;
    private final long responseFields;
    private final TransferCall recorded;

    /**
     * @param responseFields the field numbers the call's response message declares ({@link
     *     org.alliedexchange.gateway.access.GuardedMethod#responseFields()})
     */
    public CallInfo(
        Caller caller, String method, String sourceNation, String traceId, long responseFields) {
      this.caller = caller;
      this.method = method;
      this.sourceNation = sourceNation;
      this.traceId = traceId;
      this.responseFields = responseFields;
      this.recorded =
          new TransferCall(
              SOURCE,
              traceId,
              method,
              sourceNation,
              caller.nation(),
              caller.system(),
              WireMapping.level(caller.clearance()));
    }

    public Caller caller() {
      return caller;
    }

    public String method() {
      return method;
    }

    public String sourceNation() {
      return sourceNation;
    }

    public String traceId() {
      return traceId;
    }

    public long responseFields() {
      return responseFields;
    }
  }

  public Verdict decide(byte[] message, boolean bound, CallInfo call, Instant now) {
    Verdict verdict = verdict(message, bound, call, now);
    decisions.accept(verdict);
    return verdict;
  }

  private Verdict verdict(byte[] message, boolean bound, CallInfo call, Instant now) {
    String transferId = EventIds.next(now);
    Timestamp at = WireMapping.timestamp(now);
    TransferRecordBuilder record = new TransferRecordBuilder(transferId);
    LabelFields fields = LabelFields.scan(message, bound);
    SecurityLabel label =
        fields != null && fields.labelCount() == 1 ? label(message, fields) : null;
    // a bound product comes from its originator's own exchange service (the third-party rule): a
    // service serving another nation's product, even one validly signed, is withheld
    boolean foreign = label != null && bound && !label.getOriginator().equals(call.sourceNation());
    // a field the response does not declare could carry a second product under this one's label
    boolean undeclared = label != null && !fields.onlyFields(call.responseFields());
    if (label == null || label.hasRelease() || foreign || undeclared) {
      // unreadable, unlabelled, labelled twice, carrying a release only the gateway may add,
      // another nation's product served by this one, or carrying a field beyond the convention
      record.withheld(EnumSet.of(Reason.LABEL_INVALID), false);
      return new Verdict(
          null,
          EnumSet.of(Reason.LABEL_INVALID),
          false,
          event(record, call, at, null, null, null),
          transferId,
          record.productId(),
          group(null, EnumSet.of(Reason.LABEL_INVALID), false));
    }
    if (bound && fields.contentStart() >= 0) {
      readContentIds(message, fields, record);
    }
    Decision decision =
        engine.get().decide(ProtoLabels.toDomain(label), call.caller().asRecipient(), now);
    boolean bindingInvalid = bound && !bindingVerifies(message, fields, label, record.productId());
    if (!decision.permitted() || bindingInvalid) {
      EnumSet<Reason> reasons =
          decision.reasons().isEmpty()
              ? EnumSet.noneOf(Reason.class)
              : EnumSet.copyOf(decision.reasons());
      record.withheld(reasons, bindingInvalid);
      return new Verdict(
          null,
          reasons,
          bindingInvalid,
          event(record, call, at, message, fields, label),
          transferId,
          record.productId(),
          group(label, reasons, bindingInvalid));
    }
    Release.Builder release =
        Release.newBuilder()
            .setRecipientNation(call.caller().nation())
            .setMarking(decision.marking())
            .setTransferId(transferId)
            .setReleasedAt(at);
    if (decision.agreementId() != null) {
      release.setAgreementId(decision.agreementId());
    }
    record.permitted(decision.marking(), decision.agreementId());
    return new Verdict(
        AppendedRelease.append(message, release.build()),
        Set.of(),
        false,
        event(record, call, at, message, fields, label),
        transferId,
        record.productId(),
        null);
  }

  /** The summary group of a withheld message: what the compliance report counts it by. */
  private static String group(SecurityLabel label, Set<Reason> reasons, boolean bindingInvalid) {
    String labelled =
        label == null
            ? "unlabelled"
            : label.getOriginator()
                + '|'
                + label.getPolicy()
                + '|'
                + label.getLevelValue()
                + '|'
                + label.getMarking();
    return labelled + '|' + reasons + '|' + bindingInvalid;
  }

  private static SecurityLabel label(byte[] message, LabelFields fields) {
    try {
      return fields.label(message);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  /**
   * The record as an AuditEvent, carrying the label as received when there was one to read. A label
   * holding fields nobody interprets is recorded without them: the record must hold only what the
   * audit service can read, and the refusal itself is what the auditors need.
   */
  private static CheckedEvent event(
      TransferRecordBuilder record,
      CallInfo call,
      Timestamp at,
      byte[] message,
      LabelFields fields,
      SecurityLabel label) {
    if (label == null) {
      return CheckedEvent.transfer(call.recorded, record.build(), at, null, null, 0, 0);
    }
    if (ProtoLabels.hasUnknownFields(label)) {
      SecurityLabel clean = ProtoLabels.withoutUnknownFields(label);
      byte[] bytes = clean.toByteArray();
      return CheckedEvent.transfer(
          call.recorded, record.build(), at, clean, bytes, 0, bytes.length);
    }
    // the label was read from exactly these bytes (fields.label), so it is what they parse as
    return CheckedEvent.transfer(
        call.recorded,
        record.build(),
        at,
        label,
        message,
        fields.labelStart(),
        fields.labelLength());
  }

  private boolean bindingVerifies(
      byte[] message, LabelFields fields, SecurityLabel label, String productId) {
    if (fields.contentCount() != 1 || fields.bindingCount() != 1) {
      // a second content would be merged by the recipient but not covered by the check
      return false;
    }
    BindingVerifier verifier = verifiersByNation.get(label.getOriginator());
    if (verifier == null) {
      return false;
    }
    try {
      Binding binding =
          Binding.parser().parseFrom(message, fields.bindingStart(), fields.bindingLength());
      if (!verifier
          .verify(
              label.getOriginator(),
              fields.labelBytes(message),
              fields.contentBytes(message),
              binding)
          .valid()) {
        return false;
      }
      // validly signed, but replaced: a backend serving a product as it was before an amendment
      long newest =
          productId.isEmpty()
              ? 0
              : versions.admit(label.getOriginator(), productId, binding.getVersion());
      if (newest > 0) {
        LOG.warn(
            "withheld product {}: its binding is version {}, older than version {} seen before",
            productId,
            binding.getVersion(),
            newest);
        return false;
      }
      return true;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  /**
   * Product id (field 1) and topic (field 2) of the content, for the record; the rest is skipped.
   */
  private static void readContentIds(
      byte[] message, LabelFields fields, TransferRecordBuilder record) {
    String productId = "";
    String topic = "";
    try {
      CodedInputStream in =
          CodedInputStream.newInstance(message, fields.contentStart(), fields.contentLength());
      for (int tag; (tag = in.readTag()) != 0; ) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case 1 -> productId = in.readStringRequireUtf8();
          case 2 -> topic = in.readStringRequireUtf8();
          default -> in.skipField(tag);
        }
      }
    } catch (IOException e) {
      // the binding check refuses unreadable content; the record just lacks what could not be read
    }
    record.product(productId, topic);
  }
}
