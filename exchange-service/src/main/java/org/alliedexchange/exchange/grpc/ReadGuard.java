package org.alliedexchange.exchange.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.exchange.audit.ListingBudget;
import org.alliedexchange.exchange.audit.ReadAudit;
import org.alliedexchange.exchange.audit.WithheldRows;
import org.alliedexchange.exchange.store.StoredProduct;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.ProtoLabels;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.Label;
import org.alliedexchange.policy.Reason;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every read passes before a product leaves this service: the agreement statuses must be fresh
 * (else UNAVAILABLE, as at the gateway: a suspension may have been missed), its stored binding must
 * verify (a row changed behind the service's back is never served, and the refusal is audited), and
 * the releasability engine must permit it to the caller at this instant. Both what passes and what
 * is withheld are audited. The content is hashed into the binding check, never parsed: what passes
 * is sent as the stored bytes.
 */
final class ReadGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ReadGuard.class);

  /**
   * Why a product was not cleared; {@code tampered} when its binding failed, else it was withheld.
   * {@code detail} is what the caller may be told; {@code reasons} are for the audit record only.
   */
  record Refusal(boolean tampered, String detail, Set<Reason> reasons) {}

  private final String nation;
  private final ListingBudget listing;
  private final BindingVerifier verifier;
  private final Supplier<ReleasabilityEngine> engine;
  private final Supplier<String> agreementsProblem;
  private final ReadAudit audit;
  private final Clock clock;
  // a power of two: slots are picked by masking the row's identity hash
  private final AtomicReferenceArray<Verified> recentlyVerified = new AtomicReferenceArray<>(256);

  /**
   * @param agreementsProblem why the agreement statuses cannot be trusted now, or null when they
   *     are fresh
   */
  ReadGuard(
      String nation,
      BindingVerifier verifier,
      Supplier<ReleasabilityEngine> engine,
      Supplier<String> agreementsProblem,
      ReadAudit audit,
      ListingBudget listing,
      Clock clock) {
    this.nation = nation;
    this.listing = listing;
    this.verifier = verifier;
    this.engine = engine;
    this.agreementsProblem = agreementsProblem;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Null when the caller may have the product, else why not (every decision is audited); throws
   * UNAVAILABLE when the agreement statuses are stale, and then nothing is decided.
   */
  Refusal check(StoredProduct product, Caller caller, String method) {
    return check(product, caller, method, null);
  }

  /**
   * As {@link #check(StoredProduct, Caller, String)}, for a stream: a withheld product is counted
   * in {@code withheld}'s summary instead of a record of its own (then the refusal names no
   * transfer: a stream's caller is never told of what it does not get).
   */
  Refusal check(StoredProduct product, Caller caller, String method, WithheldRows withheld) {
    String stale = agreementsProblem.get();
    if (stale != null) {
      throw Status.UNAVAILABLE
          .withDescription("exchange service " + nation + ": " + stale)
          .asRuntimeException();
    }
    Verified verified = verified(product, caller.system());
    if (verified.refusal() != null) {
      return verified.refusal();
    }
    Decision decision =
        engine.get().decide(verified.domainLabel(), caller.asRecipient(), clock.instant());
    if (decision.permitted()) {
      audit.served(
          verified.label(),
          product.label(),
          product.id().toString(),
          product.topic(),
          caller,
          method);
      return null;
    }
    if (withheld != null) {
      withheld.add(
          verified.label(),
          product.id().toString(),
          product.topic(),
          caller,
          method,
          decision.reasons(),
          clock.instant());
      return new Refusal(false, "", decision.reasons());
    }
    String transferId =
        audit.withheld(
            verified.label(),
            product.id().toString(),
            product.topic(),
            caller,
            method,
            decision.reasons());
    // the caller learns that it was withheld and what to quote; why stays in the audit record
    return new Refusal(
        false, withheldMessage(product.id().toString(), transferId), decision.reasons());
  }

  /**
   * Null when the stored binding verifies, else the (audited) refusal: for writes that only need
   * the binding intact.
   */
  Refusal checkBinding(StoredProduct product, String requestedBy) {
    return verify(product, requestedBy).refusal();
  }

  /**
   * The stored label when label, content and binding verify together, else the audited refusal;
   * {@code product} is the row it was checked for.
   */
  private record Verified(
      StoredProduct product, SecurityLabel label, Label domainLabel, Refusal refusal) {}

  /**
   * As {@link #verify}, remembering the last rows that verified by identity: the live feed hands
   * one row read from the store to every subscriber of its topic, and the row's bytes are checked
   * once per read, not once per subscriber. Another read of the same product is another object and
   * is checked afresh, and a refusal is never remembered (each is audited).
   */
  private Verified verified(StoredProduct product, String requestedBy) {
    int slot = System.identityHashCode(product) & (recentlyVerified.length() - 1);
    Verified recent = recentlyVerified.get(slot);
    if (recent != null && recent.product() == product) {
      return recent;
    }
    Verified verified = verify(product, requestedBy);
    if (verified.refusal() == null) {
      recentlyVerified.set(slot, verified);
    }
    return verified;
  }

  private Verified verify(StoredProduct product, String requestedBy) {
    String detail;
    try {
      SecurityLabel label = SecurityLabel.parseFrom(product.label());
      BindingVerifier.Result result =
          verifier.verify(
              label.getOriginator(),
              product.label(),
              product.content(),
              Binding.parseFrom(product.binding()));
      if (result.valid()) {
        return new Verified(product, label, ProtoLabels.toDomain(label), null);
      }
      detail = result.detail();
    } catch (InvalidProtocolBufferException e) {
      detail = "stored bytes do not parse: " + e.getMessage();
    }
    audit.bindingViolation(product.id().toString(), nation, detail, requestedBy);
    return new Verified(
        product,
        null,
        null,
        new Refusal(
            true,
            "product "
                + product.id()
                + " failed its binding check ("
                + detail
                + ") and is not served; the refusal was audited",
            Set.of()));
  }

  /** Where a stream gathers the rows it withholds, for {@link #summarize}. */
  WithheldRows withheldRows() {
    return new WithheldRows(nation, listing);
  }

  /** Writes a stream's summaries; completes once the audit stream holds them. */
  CompletableFuture<Void> summarize(List<TransferRecord> summaries) {
    if (summaries.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    try {
      return audit.withheldSummaries(summaries);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** As {@link #summarize}, for a stream nobody waits on: a failure is logged loudly. */
  void summarizeLeft(List<TransferRecord> summaries, Caller caller) {
    if (summaries.isEmpty()) {
      return; // nothing due, as on nearly every delivery: no future to make and watch
    }
    summarize(summaries)
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                LOG.error(
                    "the summary of rows withheld from {} could not be audited: {}",
                    caller.system(),
                    failure.getMessage());
              }
            });
  }

  /** What a caller is told of a product withheld from it: no reason, level or control. */
  static String withheldMessage(String productId, String transferId) {
    return "product "
        + productId
        + " is not released to you; quote transfer "
        + transferId
        + " to ask why";
  }
}
