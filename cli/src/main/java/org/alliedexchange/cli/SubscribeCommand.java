package org.alliedexchange.cli;

import static org.alliedexchange.cli.ExchangeOutput.product;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import org.alliedexchange.client.ResumingSubscription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `allied subscribe`: a topic's products as they are published, resumed from the last cursor with a
 * fresh token when the gateway ends the stream (token expired, identity changed).
 */
@Command(
    name = "subscribe",
    mixinStandardHelpOptions = true,
    description =
        "Receive a topic's products as they are published (after --from, those since that cursor first), until Ctrl-C.")
final class SubscribeCommand extends SystemCommand {
  @Option(names = "--topic", required = true, description = "The topic.")
  String topic;

  @Option(
      names = "--from",
      paramLabel = "CURSOR",
      description = "Start after this cursor (missed products first).")
  String from;

  @Option(
      names = "--count",
      defaultValue = "0",
      description = "Stop after this many products (0: never).")
  int count;

  @Override
  void run(AlliedClient client, ClientCredentialsTokens tokens, PrintWriter out) {
    SubscribeRequest.Builder request = SubscribeRequest.newBuilder().setTopic(topic);
    if (from != null) {
      request.setFromCursor(from);
    }
    // what the subscription delivers, in order: products, then a Throwable or END
    BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
    Object end = new Object();
    try (ResumingSubscription subscription =
        client.subscribe(
            nation(),
            request.build(),
            new StreamObserver<>() {
              @Override
              public void onNext(SubscribeResponse value) {
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
            })) {
      int received = 0;
      while (true) {
        Object next = arrivals.take();
        if (next instanceof SubscribeResponse product) {
          print(
              out, product, product(product.getLabel(), product.getContent(), product.getCursor()));
          if (count > 0 && ++received >= count) {
            return;
          }
        } else if (next instanceof RuntimeException failure) {
          throw failure;
        } else if (next instanceof Throwable failure) {
          throw Status.fromThrowable(failure).asRuntimeException();
        } else {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
