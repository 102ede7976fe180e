package org.alliedexchange.cli;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.alliedexchange.api.hotline.v1.MarkReadRequest;
import org.alliedexchange.api.hotline.v1.WatchRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `allied hotline watch`: a conference's messages, receipts, link states and alarms as they happen,
 * each line ending with the cursor to resume after it. A message shown here is marked READ for the
 * person's nation (the node records DELIVERED when it reaches the session). A stream the gateway
 * ends for an expired token is resumed from the last cursor with a fresh login.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Follow a conference until Ctrl-C: messages (precedence, marking as released to you, EXERCISE/DRILL, "
          + "DELAYED), each party's receipts, the links' states and alarms.",
      "Each line ends with its cursor: --from CURSOR resumes after it, missing nothing."
    })
final class HotlineWatchCommand extends HotlineMemberCommand {
  @Option(
      names = "--conference",
      required = true,
      paramLabel = "C",
      description = "e.g. JPN-KOR-USA.")
  String conference;

  @Option(
      names = "--from",
      paramLabel = "CURSOR",
      description = "Replay what came after this cursor first.")
  String from;

  @Option(
      names = "--count",
      defaultValue = "0",
      paramLabel = "N",
      description = "Stop after this many events (0: never).")
  int count;

  @Option(
      names = "--no-read-receipts",
      description = "Do not tell the senders that the messages shown were read.")
  boolean noReadReceipts;

  @Override
  void run(Node node, PrintWriter out) throws InterruptedException {
    if (count < 0) {
      throw new IllegalArgumentException("--count: 0 or more");
    }
    String cursor = from == null ? "" : from.trim();
    int shown = 0;
    boolean resumed = false;
    while (true) {
      BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
      Object end = new Object();
      Context.CancellableContext call = Context.current().withCancellation();
      String startAt = cursor;
      call.run(
          () ->
              node.async()
                  .watch(
                      WatchRequest.newBuilder()
                          .setConference(conference.trim())
                          .setFromCursor(startAt)
                          .build(),
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
                        public void onCompleted() {
                          arrivals.add(end);
                        }
                      }));
      try {
        while (true) {
          Object next = arrivals.take();
          if (next instanceof WatchResponse event) {
            resumed = false;
            print(out, event, HotlineOutput.event(event));
            if (!event.getCursor().isEmpty()) {
              cursor = event.getCursor();
            }
            if (event.hasMessage()
                && !noReadReceipts
                && !event.getMessage().getOrigin().equals(node.nation())) {
              markRead(node, event.getMessage().getId());
            }
            if (count > 0 && ++shown >= count) {
              return;
            }
          } else if (next instanceof Throwable failure) {
            Status status = Status.fromThrowable(failure);
            // an expired login: once more with a fresh one, from where it stopped
            if (status.getCode() == Status.Code.UNAUTHENTICATED && !resumed) {
              resumed = true;
              node.tokens().refresh();
              break;
            }
            if (!cursor.isEmpty()) {
              spec.commandLine().getErr().println("resume with: --from " + cursor);
            }
            throw status.asRuntimeException();
          } else {
            return;
          }
        }
      } finally {
        call.cancel(null);
      }
    }
  }

  private void markRead(Node node, String messageId) {
    try {
      node.blocking().markRead(MarkReadRequest.newBuilder().addMessageIds(messageId).build());
    } catch (StatusRuntimeException e) {
      // the message was shown; the sender just does not learn it was read
      spec.commandLine()
          .getErr()
          .println(
              "allied hotline watch: could not mark "
                  + messageId
                  + " read: "
                  + e.getStatus().getCode()
                  + ": "
                  + HotlineOutput.safe(e.getStatus().getDescription()));
    }
  }
}
