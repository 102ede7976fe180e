package org.alliedexchange.exchange.grpc;

import static org.alliedexchange.exchange.grpc.RequestFields.TOPIC;
import static org.alliedexchange.exchange.grpc.Statuses.invalid;
import static org.alliedexchange.exchange.grpc.Statuses.rootMessage;
import static org.alliedexchange.exchange.grpc.Statuses.unavailable;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.sql.SQLException;
import java.time.Instant;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.exchange.audit.WithheldRows;
import org.alliedexchange.exchange.feed.LiveFeed;
import org.alliedexchange.exchange.feed.Sink;
import org.alliedexchange.exchange.store.StoredProduct;

/**
 * Subscribe: the live feed of a topic from a cursor, each product passed by the read guard, written
 * as stored (see RawMessage).
 */
final class SubscribeRpc {

  private final LiveFeed feed;
  private final ReadGuard guard;
  private final CallerAccess access;

  SubscribeRpc(LiveFeed feed, ReadGuard guard, CallerAccess access) {
    this.feed = feed;
    this.guard = guard;
    this.access = access;
  }

  void subscribe(SubscribeRequest request, StreamObserver<RawMessage> plainResponse) {
    Caller caller = access.reader("Subscribe");
    if (!TOPIC.matcher(request.getTopic()).matches()) {
      throw invalid("topic is required: lower-case, dot-separated words, e.g. dprk.missile.launch");
    }
    ServerCallStreamObserver<RawMessage> response =
        (ServerCallStreamObserver<RawMessage>) plainResponse;
    long after;
    try {
      after =
          request.getFromCursor().isEmpty()
              ? feed.position()
              : Cursors.parseFeed(request.getFromCursor());
    } catch (SQLException e) {
      throw unavailable(e);
    }
    Context context = Context.current();
    // the rows withheld on this subscription, audited as summaries rather than one record each
    WithheldRows withheld = guard.withheldRows();
    Sink sink =
        new Sink() {
          @Override
          public boolean ready() {
            return response.isReady();
          }

          @Override
          public boolean closed() {
            return response.isCancelled() || context.isCancelled();
          }

          @Override
          public void send(StoredProduct product) {
            boolean refused =
                guard.check(product, caller, "ExchangeService/Subscribe", withheld) != null;
            // full or long-waiting summaries go out as the stream goes on
            guard.summarizeLeft(withheld.due(Instant.now()), caller);
            if (refused) {
              return;
            }
            // a SubscribeResponse, written from the stored bytes
            RawMessage message =
                RawMessage.product(
                    product.label(),
                    product.content(),
                    product.binding(),
                    Cursors.feed(product.position()));
            synchronized (response) {
              response.onNext(message);
            }
          }

          @Override
          public void fail(Throwable error) {
            guard.summarizeLeft(withheld.all(), caller);
            synchronized (response) {
              response.onError(
                  Status.UNAVAILABLE
                      .withDescription(
                          "the subscription stopped ("
                              + rootMessage(error)
                              + "); reconnect with your last cursor to miss nothing")
                      .asRuntimeException());
            }
          }
        };
    response.setOnReadyThreshold(SearchStream.STREAM_BUFFER);
    Runnable wake = feed.subscribe(request.getTopic(), after, sink);
    response.setOnReadyHandler(wake);
    response.setOnCancelHandler(
        () -> {
          wake.run();
          guard.summarizeLeft(withheld.all(), caller);
        });
  }
}
