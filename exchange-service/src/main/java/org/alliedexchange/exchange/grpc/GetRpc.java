package org.alliedexchange.exchange.grpc;

import static org.alliedexchange.exchange.grpc.RequestFields.productId;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.exchange.audit.ReadAudit;
import org.alliedexchange.exchange.store.StoredProduct;

/**
 * Get: one product, when the read guard clears it for the caller (PERMISSION_DENIED when withheld,
 * DATA_LOSS when tampered with).
 */
final class GetRpc {

  static final String METHOD = "ExchangeService/Get";

  private final String nation;
  private final ProductLookup products;
  private final ReadGuard guard;
  private final ReadAudit audit;
  private final CallerAccess access;

  GetRpc(
      String nation,
      ProductLookup products,
      ReadGuard guard,
      ReadAudit audit,
      CallerAccess access) {
    this.nation = nation;
    this.products = products;
    this.guard = guard;
    this.audit = audit;
    this.access = access;
  }

  void get(GetRequest request, StreamObserver<GetResponse> response) {
    Caller caller = access.reader("Get");
    StoredProduct product = products.load(productId(request.getProductId()), nation);
    ReadGuard.Refusal refusal = guard.check(product, caller, METHOD);
    if (refusal != null) {
      throw (refusal.tampered() ? Status.DATA_LOSS : Status.PERMISSION_DENIED)
          .withDescription(refusal.detail())
          .asRuntimeException();
    }
    ProductContent content = StoredMessages.content(product.content());
    if (!content.getId().equals(product.id().toString())) {
      // a signed product stored under another product's id: rows swapped behind the service's back
      String detail = "the signed content names product " + content.getId();
      audit.bindingViolation(product.id().toString(), nation, detail, caller.system());
      throw Status.DATA_LOSS
          .withDescription(
              "product "
                  + product.id()
                  + " failed its binding check ("
                  + detail
                  + ") and is not served; the refusal was audited")
          .asRuntimeException();
    }
    response.onNext(
        GetResponse.newBuilder()
            .setLabel(StoredMessages.label(product.label()))
            .setContent(content)
            .setBinding(StoredMessages.binding(product.binding()))
            .build());
    response.onCompleted();
  }
}
