package org.alliedexchange.exchange.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.List;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.exchange.auth.Caller;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.exchange.store.SearchFilter;
import org.alliedexchange.exchange.store.StoredProduct;

/**
 * One search page, streamed as fast as the client takes it and no faster: it sends while the stream is
 * ready and resumes from gRPC's on-ready callback. (A handler that blocked waiting for readiness would
 * never see that callback: gRPC runs a call's callbacks one at a time.)
 */
final class SearchStream implements Runnable {

  private static final int CHUNK = 1000;

  private final ServerCallStreamObserver<SearchResponse> response;
  private final Caller caller;
  private final SearchFilter filter;
  private final int wanted;
  private final long scanLimit;
  private final ProductStore store;
  private final ReadGuard guard;
  private final ArrayDeque<StoredProduct> buffer = new ArrayDeque<>();
  private long after;
  private int sent;
  private int withheld;
  private long scanned;
  private boolean exhausted;
  private boolean finished;

  SearchStream(ServerCallStreamObserver<SearchResponse> response, Caller caller, SearchFilter filter, int wanted, ProductStore store,
      ReadGuard guard) {
    this.response = response;
    this.caller = caller;
    this.filter = filter;
    this.wanted = wanted;
    this.scanLimit = 10L * wanted + CHUNK;
    this.store = store;
    this.guard = guard;
    this.after = filter.afterSeq();
  }

  void start() {
    response.setOnReadyHandler(this);
    response.setOnCancelHandler(() -> {
      synchronized (this) {
        finished = true;
      }
    });
    run();
  }

  @Override
  public synchronized void run() {
    if (finished) {
      return;
    }
    try {
      while (response.isReady()) {
        if (sent == wanted || scanned >= scanLimit) {
          finish(false);
          return;
        }
        StoredProduct row = buffer.poll();
        if (row == null) {
          if (exhausted) {
            finish(true);
            return;
          }
          List<StoredProduct> rows = store.search(new SearchFilter(filter.topic(), filter.observedFrom(), filter.observedTo(),
              filter.minLevel(), filter.maxLevel(), after), CHUNK);
          exhausted = rows.size() < CHUNK;
          buffer.addAll(rows);
          continue;
        }
        scanned++;
        after = row.seq();
        ReadGuard.Outcome outcome = guard.check(row, caller);
        if (outcome.cleared() == null) {
          withheld++;
          continue;
        }
        ReadGuard.Cleared cleared = outcome.cleared();
        response.onNext(SearchResponse.newBuilder().setLabel(cleared.label()).setContent(cleared.content())
            .setBinding(cleared.binding()).setCursor(Cursors.search(row.seq())).build());
        sent++;
      }
    } catch (SQLException e) {
      finished = true;
      response.onError(Status.UNAVAILABLE.withDescription("the product store is unavailable: " + e.getMessage()).asRuntimeException());
    }
  }

  private void finish(boolean complete) {
    finished = true;
    Metadata trailers = new Metadata();
    trailers.put(ExchangeGrpcService.WITHHELD, Integer.toString(withheld));
    if (!(complete && buffer.isEmpty())) {
      trailers.put(ExchangeGrpcService.NEXT_CURSOR, Cursors.search(after));
    }
    // grpc-java's stub API has no other way to attach trailers to a successful end
    response.onError(Status.OK.asRuntimeException(trailers));
  }
}
