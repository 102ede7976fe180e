package org.alliedexchange.cli;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.alliedexchange.api.hotline.v1.WatchRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.cli.DemoCommand.NotShown;
import org.alliedexchange.client.AlliedClient;

/**
 * A person's screen on a hotline conference in the demo: the watch stream read from a queue, so a
 * step can wait for an event (or rule one out), and the cursor of the last event, to resume.
 */
final class DemoHotlineWatch implements AutoCloseable {
  private final String who;
  private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
  private final Context.CancellableContext context = Context.current().withCancellation();
  private final List<WatchResponse> seen = new ArrayList<>();
  private volatile String cursor = "";

  DemoHotlineWatch(String who, AlliedClient client, String nation, String conference, String from) {
    this.who = who;
    this.cursor = from;
    context.run(
        () ->
            client
                .hotlineAsync(nation)
                .watch(
                    WatchRequest.newBuilder().setConference(conference).setFromCursor(from).build(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(WatchResponse value) {
                        arrivals.add(value);
                      }

                      @Override
                      public void onError(Throwable t) {
                        arrivals.add(t);
                      }

                      @Override
                      public void onCompleted() {}
                    }));
  }

  /** The first event from now that {@code wanted} accepts, or null when none came in time. */
  WatchResponse next(Predicate<WatchResponse> wanted, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Object next = left <= 0 ? null : arrivals.poll(left, TimeUnit.NANOSECONDS);
      if (next == null) {
        return null;
      }
      if (next instanceof Throwable t) {
        throw new NotShown(
            who
                + "'s hotline screen lost its stream: "
                + (t instanceof StatusRuntimeException s
                    ? ExchangeOutput.describe(s.getStatus())
                    : t));
      }
      WatchResponse event = (WatchResponse) next;
      seen.add(event);
      if (!event.getCursor().isEmpty()) {
        cursor = event.getCursor();
      }
      if (wanted.test(event)) {
        return event;
      }
    }
  }

  /**
   * An event {@code wanted} accepts, among those already shown or the next ones: for events whose
   * order between parties does not matter (receipts), so that waiting for one does not pass over
   * another.
   */
  WatchResponse find(Predicate<WatchResponse> wanted, Duration within, String otherwise)
      throws InterruptedException {
    for (WatchResponse event : seen) {
      if (wanted.test(event)) {
        return event;
      }
    }
    return expect(wanted, within, otherwise);
  }

  /** Like {@link #next}, but the event must come. */
  WatchResponse expect(Predicate<WatchResponse> wanted, Duration within, String otherwise)
      throws InterruptedException {
    WatchResponse event = next(wanted, within);
    if (event == null) {
      throw new NotShown(who + "'s hotline screen: " + otherwise);
    }
    return event;
  }

  /** Every event this screen showed, in order. */
  List<WatchResponse> seen() {
    return seen;
  }

  /** Where to resume after the last event shown. */
  String cursor() {
    return cursor;
  }

  @Override
  public void close() {
    context.cancel(null);
  }
}
