package org.alliedexchange.exchange.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Clock;
import java.util.Set;
import java.util.stream.Collectors;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.exchange.audit.ExchangeAudit;
import org.alliedexchange.exchange.auth.Caller;
import org.alliedexchange.exchange.store.StoredProduct;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.ProtoLabels;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.Reason;
import org.alliedexchange.policy.ReleasabilityEngine;

/**
 * What every read passes before a product leaves this service: its stored binding must verify (a row
 * changed behind the service's back is never served, and the refusal is audited), and the releasability
 * engine must permit it to the caller at this instant.
 */
final class ReadGuard {

  /** A product cleared for the caller, parsed from the stored bytes. */
  record Cleared(SecurityLabel label, ProductContent content, Binding binding) {}

  /** Why a product was not cleared. */
  record Refusal(boolean tampered, String detail, Set<Reason> reasons) {}

  /** Exactly one of the two is set. */
  record Outcome(Cleared cleared, Refusal refusal) {}

  private final String nation;
  private final BindingVerifier verifier;
  private final java.util.function.Supplier<ReleasabilityEngine> engine;
  private final ExchangeAudit audit;
  private final Clock clock;

  ReadGuard(String nation, BindingVerifier verifier, java.util.function.Supplier<ReleasabilityEngine> engine, ExchangeAudit audit,
      Clock clock) {
    this.nation = nation;
    this.verifier = verifier;
    this.engine = engine;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * The same checks without parsing the content, for streams that pass stored bytes on as they are:
   * the content is still hashed into the binding check, so a changed content is still caught.
   */
  Refusal checkStored(StoredProduct product, Caller caller) {
    SecurityLabel label;
    Binding binding;
    try {
      label = SecurityLabel.parseFrom(product.label());
      binding = Binding.parseFrom(product.binding());
    } catch (InvalidProtocolBufferException e) {
      return tampered(product, caller, "stored bytes do not parse: " + e.getMessage()).refusal();
    }
    BindingVerifier.Result verified = verifier.verify(label.getOriginator(), product.label(), product.content(), binding);
    if (!verified.valid()) {
      return tampered(product, caller, verified.detail()).refusal();
    }
    Decision decision = engine.get().decide(ProtoLabels.toDomain(label), caller.asRecipient(), clock.instant());
    return decision.permitted() ? null : new Refusal(false, "withheld: " + names(decision.reasons()), decision.reasons());
  }

  Outcome check(StoredProduct product, Caller caller) {
    SecurityLabel label;
    ProductContent content;
    Binding binding;
    try {
      label = SecurityLabel.parseFrom(product.label());
      content = ProductContent.parseFrom(product.content());
      binding = Binding.parseFrom(product.binding());
    } catch (InvalidProtocolBufferException e) {
      return tampered(product, caller, "stored bytes do not parse: " + e.getMessage());
    }
    BindingVerifier.Result verified = verifier.verify(label.getOriginator(), product.label(), product.content(), binding);
    if (!verified.valid()) {
      return tampered(product, caller, verified.detail());
    }
    if (!content.getId().equals(product.id().toString())) {
      return tampered(product, caller, "the signed content names product " + content.getId());
    }
    Decision decision = engine.get().decide(ProtoLabels.toDomain(label), caller.asRecipient(), clock.instant());
    if (!decision.permitted()) {
      return new Outcome(null, new Refusal(false, "withheld: " + names(decision.reasons()), decision.reasons()));
    }
    return new Outcome(new Cleared(label, content, binding), null);
  }

  private Outcome tampered(StoredProduct product, Caller caller, String detail) {
    audit.bindingViolation(product.id().toString(), nation, detail, caller.system());
    return new Outcome(null, new Refusal(true, "product " + product.id() + " failed its binding check (" + detail
        + ") and is not served; the refusal was audited", Set.of()));
  }

  static String names(Set<Reason> reasons) {
    return reasons.stream().map(Reason::name).collect(Collectors.joining(", "));
  }
}
