package org.alliedexchange.exchange.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.exchange.audit.WithheldRows;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.exchange.store.SearchFilter;
import org.alliedexchange.exchange.store.StoredProduct;

/**
 * One search page, streamed as fast as the client takes it and no faster: it sends while the stream
 * is ready and resumes from gRPC's on-ready callback. (A handler that blocked waiting for readiness
 * would never see that callback: gRPC runs a call's callbacks one at a time.) The next chunk of
 * rows is read from the database while the current one is being sent.
 *
 * <p>What the caller may not have leaves no trace: the page reads on past withheld rows until it is
 * full or the rows run out, says nothing of them, and its next cursor is the last product sent, so
 * the page and cursor are the ones the caller would get if those rows did not exist. Every page
 * with a next cursor sent a product, so paging always moves on.
 */
final class SearchStream implements Runnable {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SearchStream.class);

  private static final int CHUNK = 1000;
  // the page's first read is small, so its first products leave sooner
  private static final int FIRST_CHUNK = 200;
  static final int STREAM_BUFFER = 1 << 20;

  private final ServerCallStreamObserver<RawMessage> response;
  private final Caller caller;
  private final SearchFilter filter;
  private final int wanted;
  private final ProductStore store;
  private final ReadGuard guard;
  private final Executor fetcher;
  // the rows withheld on this page, audited as summaries per group: each written once it is full,
  // the rest when the page ends
  private final WithheldRows withheld;
  // the full summaries written so far; the page ends only once they are held too
  private CompletableFuture<Void> fullSummaries = CompletableFuture.completedFuture(null);
  // the first of them that could not be audited, as soon as it is known (allOf above tells only
  // once every one has completed)
  private volatile Throwable summaryFailed;
  private final ArrayDeque<StoredProduct> buffer = new ArrayDeque<>();
  private CompletableFuture<List<StoredProduct>> nextChunk;
  private long fetchedUpTo;
  private int chunkSize;
  private long lastSent;
  private int sent;
  private boolean exhausted;
  private boolean finished;

  SearchStream(
      ServerCallStreamObserver<RawMessage> response,
      Caller caller,
      SearchFilter filter,
      int wanted,
      ProductStore store,
      ReadGuard guard,
      Executor fetcher) {
    this.fetcher = fetcher;
    this.response = response;
    this.caller = caller;
    this.filter = filter;
    this.wanted = wanted;
    this.store = store;
    this.guard = guard;
    this.fetchedUpTo = filter.afterSeq();
    this.withheld = guard.withheldRows();
  }

  void start() {
    // refill the transport in large gulps rather than one 32 KiB window at a time
    response.setOnReadyThreshold(STREAM_BUFFER);
    response.setOnReadyHandler(this);
    response.setOnCancelHandler(
        () -> {
          synchronized (this) {
            finished = true;
          }
          // a caller that goes away still leaves the record of what was withheld from it
          guard.summarizeLeft(withheld.all(), caller);
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
        if (sent == wanted) {
          finish(false);
          return;
        }
        if (summaryFailed != null) {
          // a summary could not be audited: read no further (the page ends INTERNAL)
          finish(false);
          return;
        }
        if (buffer.size() < CHUNK) {
          prefetch();
        }
        StoredProduct row = buffer.poll();
        if (row == null) {
          if (nextChunk == null) {
            finish(true);
            return;
          }
          if (!nextChunk.isDone()) {
            // the chunk's arrival runs this again
            nextChunk.whenComplete((rows, error) -> run());
            return;
          }
          takeChunk();
          continue;
        }
        if (guard.check(row, caller, "ExchangeService/Search", withheld) != null) {
          // audited by the guard; the caller learns nothing of it
          List<TransferRecord> full = withheld.full();
          if (!full.isEmpty()) {
            fullSummaries = CompletableFuture.allOf(fullSummaries, summarizeWatched(full));
          }
          continue;
        }
        // a SearchResponse, written from the stored bytes
        response.onNext(
            RawMessage.product(
                row.label(), row.content(), row.binding(), Cursors.search(row.seq())));
        sent++;
        lastSent = row.seq();
      }
    } catch (StatusRuntimeException e) {
      // the read guard's refusal of the whole read (stale agreement statuses)
      finished = true;
      guard.summarizeLeft(withheld.all(), caller);
      response.onError(e);
    } catch (CompletionException | SQLException e) {
      finished = true;
      guard.summarizeLeft(withheld.all(), caller);
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      response.onError(
          Status.UNAVAILABLE
              .withDescription("the product store is unavailable: " + cause.getMessage())
              .asRuntimeException());
    }
  }

  /**
   * Writes summaries that filled up mid-page; a failure is logged at once (also when the caller has
   * gone) and ends the page INTERNAL when it ends.
   */
  private CompletableFuture<Void> summarizeWatched(List<TransferRecord> full) {
    CompletableFuture<Void> written = guard.summarize(full);
    written.whenComplete(
        (ok, failure) -> {
          if (failure != null) {
            if (summaryFailed == null) {
              summaryFailed = failure;
            }
            LOG.error(
                "a summary of rows withheld from {} on a search could not be audited: {}",
                caller.system(),
                failure.getMessage());
          }
        });
    return written;
  }

  /** Starts reading the next chunk, unless one is on its way or there is none. */
  private void prefetch() {
    if (nextChunk != null || exhausted) {
      return;
    }
    SearchFilter next =
        new SearchFilter(
            filter.topic(),
            filter.observedFrom(),
            filter.observedTo(),
            filter.minLevel(),
            filter.maxLevel(),
            fetchedUpTo);
    int size = fetchedUpTo == filter.afterSeq() ? FIRST_CHUNK : CHUNK;
    chunkSize = size;
    nextChunk =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return store.search(next, size);
              } catch (SQLException e) {
                throw new CompletionException(e);
              }
            },
            fetcher);
  }

  private void takeChunk() throws SQLException {
    List<StoredProduct> rows = nextChunk.join();
    nextChunk = null;
    exhausted = rows.size() < chunkSize;
    if (!rows.isEmpty()) {
      fetchedUpTo = rows.get(rows.size() - 1).seq();
    }
    buffer.addAll(rows);
  }

  /**
   * @param complete the rows ran out; else the page is full, and the next one starts after its last
   *     product
   */
  private void finish(boolean complete) {
    finished = true;
    Metadata trailers = new Metadata();
    if (!complete) {
      trailers.put(ExchangeGrpcService.NEXT_CURSOR, Cursors.search(lastSent));
    }
    // the page ends once its withheld rows are audited; a summary that cannot be ends it INTERNAL
    CompletableFuture.allOf(fullSummaries, guard.summarize(withheld.all()))
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                response.onError(
                    Status.INTERNAL
                        .withDescription(
                            "the summary of the rows withheld on this search could not be"
                                + " audited: "
                                + failure.getMessage())
                        .asRuntimeException());
              } else {
                // grpc-java's stub API has no other way to attach trailers to a successful end
                response.onError(Status.OK.asRuntimeException(trailers));
              }
            });
  }
}
