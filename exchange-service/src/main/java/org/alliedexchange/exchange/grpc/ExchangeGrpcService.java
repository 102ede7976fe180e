package org.alliedexchange.exchange.grpc;

import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.function.Supplier;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityResponse;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.PublishResponse;
import org.alliedexchange.exchange.audit.ExchangeAudit;
import org.alliedexchange.exchange.audit.ListingBudget;
import org.alliedexchange.exchange.feed.LiveFeed;
import org.alliedexchange.exchange.feed.PublishBatcher;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.policy.ReleasabilityEngine;

/**
 * One nation's ExchangeService, each RPC in its own class. Every call is checked against who the
 * caller is (its token, via {@link Caller}) and the API's access table; every read passes the
 * {@link ReadGuard}.
 */
public final class ExchangeGrpcService extends ExchangeServiceGrpc.ExchangeServiceImplBase {

  /**
   * Trailer of a search: where the next page starts, after the page's last product, when the page
   * is full. Nothing is said of the products the caller was not given.
   */
  public static final Metadata.Key<String> NEXT_CURSOR = AlliedMetadata.NEXT_CURSOR;

  private final PublishRpc publish;
  private final AmendRpc amend;
  private final GetRpc get;
  private final SearchRpc search;
  private final SubscribeRpc subscribe;

  public ExchangeGrpcService(
      String nation,
      ProductStore store,
      PublishBatcher batcher,
      LiveFeed feed,
      BindingSigner signer,
      BindingVerifier verifier,
      Supplier<ReleasabilityEngine> engine,
      Supplier<String> agreementsProblem,
      ExchangeAudit audit,
      Clock clock,
      int pageSize,
      int pageMax,
      ListingBudget listing) {
    ReadGuard guard =
        new ReadGuard(nation, verifier, engine, agreementsProblem, audit, listing, clock);
    CallerAccess access = new CallerAccess(nation);
    this.publish = new PublishRpc(nation, batcher, engine, access, clock);
    this.amend = new AmendRpc(nation, store, engine, guard, signer, audit, access, clock);
    this.get = new GetRpc(nation, store::get, guard, audit, access);
    this.search = new SearchRpc(store, guard, access, pageSize, pageMax);
    this.subscribe = new SubscribeRpc(feed, guard, access);
  }

  @Override
  public void publish(PublishRequest request, StreamObserver<PublishResponse> response) {
    publish.publish(request, response);
  }

  @Override
  public void amendReleasability(
      AmendReleasabilityRequest request, StreamObserver<AmendReleasabilityResponse> response) {
    amend.amendReleasability(request, response);
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> response) {
    get.get(request, response);
  }

  /**
   * The service to serve: this one, with Search and Subscribe writing the stored bytes as they are
   * (see RawMessage).
   */
  public ServerServiceDefinition serviceDefinition() {
    return RawServiceDefinition.of(this, search::search, subscribe::subscribe);
  }
}
