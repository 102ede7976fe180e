package org.alliedexchange.cli;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.cli.DemoCommand.NotShown;
import org.alliedexchange.client.AlliedClient;

/** A live subscription read from a queue, so a step can wait for (or rule out) the next product. */
final class DemoSubscription implements AutoCloseable {
  final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
  final Context.CancellableContext context = Context.current().withCancellation();
  volatile Instant lastAt;

  DemoSubscription(AlliedClient client, String topic) {
    context.run(
        () ->
            client
                .exchangeAsync("KOR")
                .subscribe(
                    SubscribeRequest.newBuilder().setTopic(topic).build(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(SubscribeResponse value) {
                        lastAt = Instant.now();
                        received.add(value);
                      }

                      @Override
                      public void onError(Throwable t) {
                        received.add(t);
                      }

                      @Override
                      public void onCompleted() {}
                    }));
  }

  SubscribeResponse next(int seconds) throws InterruptedException {
    Object next = received.poll(seconds, TimeUnit.SECONDS);
    if (next instanceof Throwable t) {
      throw new NotShown(
          "a subscription ended: "
              + (t instanceof StatusRuntimeException s
                  ? ExchangeOutput.describe(s.getStatus())
                  : t));
    }
    return (SubscribeResponse) next;
  }

  long millisAfter(Instant sent) {
    return Math.max(0, java.time.Duration.between(sent, lastAt).toMillis());
  }

  @Override
  public void close() {
    context.cancel(null);
  }
}
