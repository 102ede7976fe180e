package org.alliedexchange.exchange.grpc;

import static org.alliedexchange.exchange.grpc.RequestFields.NATION;
import static org.alliedexchange.exchange.grpc.RequestFields.productId;
import static org.alliedexchange.exchange.grpc.Statuses.invalid;
import static org.alliedexchange.exchange.grpc.Statuses.unavailable;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityResponse;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.exchange.audit.ExchangeAudit;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.exchange.store.StoredProduct;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.ProtoLabels;
import org.alliedexchange.policy.ReleasabilityEngine;

/**
 * AmendReleasability: the originator's recorded consent to a new releasable-to list, audited before
 * the label is changed and signed again; the stored binding must verify first.
 */
final class AmendRpc {

  private final String nation;
  private final ProductStore store;
  private final ProductLookup products;
  private final Supplier<ReleasabilityEngine> engine;
  private final ReadGuard guard;
  private final BindingSigner signer;
  private final ExchangeAudit audit;
  private final CallerAccess access;
  private final Clock clock;

  AmendRpc(
      String nation,
      ProductStore store,
      Supplier<ReleasabilityEngine> engine,
      ReadGuard guard,
      BindingSigner signer,
      ExchangeAudit audit,
      CallerAccess access,
      Clock clock) {
    this.nation = nation;
    this.store = store;
    this.products = store::get;
    this.engine = engine;
    this.guard = guard;
    this.signer = signer;
    this.audit = audit;
    this.access = access;
    this.clock = clock;
  }

  private static boolean isControl(int codePoint) {
    return Character.isISOControl(codePoint) && codePoint != '\n' && codePoint != '\t';
  }

  void amendReleasability(
      AmendReleasabilityRequest request, StreamObserver<AmendReleasabilityResponse> response) {
    Caller caller = access.writer("AmendReleasability", "amend releasability");
    UUID id = productId(request.getProductId());
    if (request.getJustification().isBlank()) {
      throw invalid("justification is required: it is the originator's recorded consent");
    }
    if (request.getJustification().length() > 2_000
        || request.getJustification().codePoints().anyMatch(AmendRpc::isControl)) {
      throw invalid("justification must be up to 2,000 characters of text, without controls");
    }
    List<String> releasableTo = new ArrayList<>(new LinkedHashSet<>(request.getReleasableToList()));
    for (String target : releasableTo) {
      if (!NATION.matcher(target).matches() || engine.get().federation().nation(target) == null) {
        // quoted escaped: the value may hold anything, and the message must stay one clean line
        throw invalid(
            "releasable_to: "
                + RequestFields.quoted(target)
                + " is not a nation of the federation");
      }
    }
    StoredProduct product = products.load(id, nation);
    ReadGuard.Refusal tampered = guard.checkBinding(product, caller.system());
    if (tampered != null) {
      throw Status.DATA_LOSS.withDescription(tampered.detail()).asRuntimeException();
    }
    SecurityLabel previous = StoredMessages.label(product.label());
    SecurityLabel amended =
        previous.toBuilder().clearReleasableTo().addAllReleasableTo(releasableTo).build();
    // the amending system must be able to read the product itself, decided before the audit and
    // the commit: nothing is stored and then reported refused
    Origination.check(engine.get(), ProtoLabels.toDomain(amended), caller);
    byte[] labelBytes = amended.toByteArray();
    // every amendment raises the signed version, so the gateway can refuse the binding it replaces
    long version = StoredMessages.binding(product.binding()).getVersion() + 1;
    Binding binding = signer.sign(labelBytes, product.content(), version, clock.instant());
    try {
      audit.amended(
          id.toString(),
          nation,
          caller.system(),
          previous.getReleasableToList(),
          releasableTo,
          request.getJustification());
    } catch (RuntimeException e) {
      throw Status.UNAVAILABLE
          .withDescription(
              "the amendment could not be audited (" + e.getMessage() + "); nothing was changed")
          .asRuntimeException();
    }
    try {
      if (!store.amend(
          id,
          product.label(),
          labelBytes,
          binding.toByteArray(),
          version,
          caller.system(),
          request.getJustification())) {
        throw Status.ABORTED
            .withDescription("the product's label changed meanwhile; read it again and retry")
            .asRuntimeException();
      }
    } catch (SQLException e) {
      throw unavailable(e);
    }
    response.onNext(
        AmendReleasabilityResponse.newBuilder()
            .setLabel(amended)
            .setContent(StoredMessages.content(product.content()))
            .setBinding(binding)
            .build());
    response.onCompleted();
  }
}
