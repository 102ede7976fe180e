package org.alliedexchange.exchange.grpc;

import static org.alliedexchange.exchange.grpc.RequestFields.TOPIC;
import static org.alliedexchange.exchange.grpc.RequestFields.level;
import static org.alliedexchange.exchange.grpc.Statuses.invalid;
import static org.alliedexchange.label.WireMapping.instant;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.exchange.store.SearchFilter;
import org.alliedexchange.policy.Level;

/**
 * Search: one page of stored products matching the filter, each passed by the read guard, written
 * as stored (see RawMessage). Rows above the caller's clearance are not even read: the engine could
 * never release them to it.
 */
final class SearchRpc {

  private final ProductStore store;
  private final ReadGuard guard;
  private final CallerAccess access;
  private final int pageSize;
  private final int pageMax;
  private final ExecutorService fetcher =
      Executors.newCachedThreadPool(
          runnable -> {
            Thread thread = new Thread(runnable, "search-fetch");
            thread.setDaemon(true);
            return thread;
          });

  SearchRpc(ProductStore store, ReadGuard guard, CallerAccess access, int pageSize, int pageMax) {
    this.store = store;
    this.guard = guard;
    this.access = access;
    this.pageSize = pageSize;
    this.pageMax = pageMax;
  }

  void search(SearchRequest request, StreamObserver<RawMessage> response) {
    Caller caller = access.reader("Search");
    SearchFilter filter = withinClearance(filter(request), caller.clearance());
    if (filter == null) {
      // nothing the caller could be given matches: the answer of an empty store
      response.onCompleted();
      return;
    }
    int wanted = request.getPageSize() == 0 ? pageSize : Math.min(request.getPageSize(), pageMax);
    new SearchStream(
            (ServerCallStreamObserver<RawMessage>) response,
            caller,
            filter,
            wanted,
            store,
            guard,
            fetcher)
        .start();
  }

  /** The filter capped at the caller's clearance; null when nothing is left to search. */
  static SearchFilter withinClearance(SearchFilter filter, Level clearance) {
    if (clearance == null
        || (filter.minLevel() != null && filter.minLevel().compareTo(clearance) > 0)) {
      return null;
    }
    Level max =
        filter.maxLevel() == null || filter.maxLevel().compareTo(clearance) > 0
            ? clearance
            : filter.maxLevel();
    return new SearchFilter(
        filter.topic(),
        filter.observedFrom(),
        filter.observedTo(),
        filter.minLevel(),
        max,
        filter.afterSeq());
  }

  private static SearchFilter filter(SearchRequest request) {
    String topic = request.getTopic().isEmpty() ? null : request.getTopic();
    if (topic != null && !TOPIC.matcher(topic).matches()) {
      throw invalid("topic \"" + topic + "\" must be lower-case, dot-separated words");
    }
    Instant from = request.hasObservedFrom() ? instant(request.getObservedFrom()) : null;
    Instant to = request.hasObservedTo() ? instant(request.getObservedTo()) : null;
    if (from != null && to != null && !from.isBefore(to)) {
      throw invalid("observed_from must be before observed_to");
    }
    Level min = level(request.getMinLevel(), "min_level");
    Level max = level(request.getMaxLevel(), "max_level");
    if (min != null && max != null && min.compareTo(max) > 0) {
      throw invalid("min_level is above max_level");
    }
    long after = request.getCursor().isEmpty() ? 0 : Cursors.parseSearch(request.getCursor());
    return new SearchFilter(topic, from, to, min, max, after);
  }
}
