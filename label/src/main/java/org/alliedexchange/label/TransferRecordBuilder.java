package org.alliedexchange.label;

import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Reason;

/**
 * The one way a {@link TransferRecord} (the audit record of one release decision) is built, from
 * plain values, by the gateway's guard and by an exchange service's own check alike. A missing text
 * is recorded as empty.
 */
public final class TransferRecordBuilder {

  private final TransferRecord.Builder record = TransferRecord.newBuilder();

  /**
   * @param transferId the decision's id (also the audit event's id)
   * @param method the gRPC method the product was asked for with
   * @param sourceNation the nation whose exchange service holds the product
   */
  public TransferRecordBuilder(String transferId, String method, String sourceNation) {
    record.setTransferId(transferId).setMethod(text(method)).setSourceNation(text(sourceNation));
  }

  /**
   * A record of one message's own fields: the method, the source nation and the recipient, which
   * every record of its call shares, are encoded apart, once per call (the gateway's guard).
   */
  public TransferRecordBuilder(String transferId) {
    record.setTransferId(transferId);
  }

  /** Who the product was for. */
  public TransferRecordBuilder recipient(String nation, String system, Level clearance) {
    record
        .setRecipientNation(text(nation))
        .setRecipientSystem(text(system))
        .setRecipientClearance(WireMapping.level(clearance));
    return this;
  }

  /** Which product, when it could be read. */
  public TransferRecordBuilder product(String productId, String topic) {
    record.setProductId(text(productId)).setTopic(text(topic));
    return this;
  }

  /**
   * The product's label as decided (the gateway appends the received bytes instead, see its guard).
   */
  public TransferRecordBuilder label(SecurityLabel label) {
    record.setLabel(label);
    return this;
  }

  /**
   * Released, under this marking of the recipient's, by this agreement (null when the recipient is
   * the originator).
   */
  public TransferRecordBuilder permitted(String recipientMarking, String agreementId) {
    record.setDecision(Decision.DECISION_PERMIT).setRecipientMarking(text(recipientMarking));
    if (agreementId != null) {
      record.setAgreementId(agreementId);
    }
    return this;
  }

  /**
   * Withheld, for the engine's reasons and, when the originator's binding did not verify, for that.
   */
  public TransferRecordBuilder withheld(Iterable<Reason> reasons, boolean bindingInvalid) {
    record.setDecision(Decision.DECISION_DENY);
    for (Reason reason : reasons) {
      record.addReasons(WireMapping.denyReason(reason));
    }
    if (bindingInvalid) {
      record.addReasons(DenyReason.DENY_REASON_BINDING_INVALID);
    }
    return this;
  }

  /** The product id recorded so far; empty when none. */
  public String productId() {
    return record.getProductId();
  }

  public TransferRecord build() {
    return record.build();
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }
}
