package org.alliedexchange.benchmarks;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.FreeTextReport;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ResumingSubscription;
import org.alliedexchange.client.TokenSource;

/**
 * The live-feed runs' subscribers and what they count: each product carries its publish number in
 * its body, so a subscriber knows its latency (from the publish call's start) and whether it got
 * every product once, in order.
 */
final class LiveSubscribers {

  private LiveSubscribers() {}

  /** A missile warning, releasable to Japan and the United States, numbered {@code seq}. */
  static PublishRequest warning(String topic, long seq) {
    return PublishRequest.newBuilder()
        .setLabel(
            SecurityLabel.newBuilder()
                .setPolicy("KOR")
                .setMarking("군사II급비밀")
                .setOriginator("KOR")
                .addAllReleasableTo(List.of("KOR", "JPN", "USA"))
                .addCommunities("MISSILE_WARNING"))
        .setContent(
            ProductContent.newBuilder()
                .setTopic(topic)
                .setObservedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                .setFreeText(
                    FreeTextReport.newBuilder()
                        .setTitle("SRBM launch")
                        .setBody(Long.toString(seq))
                        .setLanguage("en")))
        .build();
  }

  /** When each product's publish call started, by its number. */
  static final class SentTimes {
    private final AtomicLongArray at;

    SentTimes(int capacity) {
      at = new AtomicLongArray(capacity);
    }

    void started(long seq) {
      at.set((int) seq, System.nanoTime());
    }

    long of(long seq) {
      return seq < at.length() ? at.get((int) seq) : 0;
    }
  }

  /** Latencies of many subscribers, nanoseconds. */
  static final class Latencies {
    private final long[] samples;
    private final AtomicInteger count = new AtomicInteger();

    Latencies(int capacity) {
      samples = new long[capacity];
    }

    void add(long nanos) {
      int i = count.getAndIncrement();
      if (i < samples.length) {
        samples[i] = nanos;
      }
    }

    /** p50, p99 and max in ms. */
    double[] summary() {
      long[] sorted = Arrays.copyOf(samples, Math.min(count.get(), samples.length));
      if (sorted.length == 0) {
        return new double[] {Double.NaN, Double.NaN, Double.NaN};
      }
      Arrays.sort(sorted);
      return new double[] {at(sorted, 0.50), at(sorted, 0.99), sorted[sorted.length - 1] / 1e6};
    }

    int size() {
      return Math.min(count.get(), samples.length);
    }

    private static double at(long[] sorted, double q) {
      return sorted[
              Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1))]
          / 1e6;
    }
  }

  /**
   * Counts what one subscriber receives: how many, how many out of order or twice, when the last
   * came, and how the stream ended.
   */
  static class Receiver implements ClientResponseObserver<SubscribeRequest, SubscribeResponse> {
    final AtomicInteger received = new AtomicInteger();
    final AtomicInteger outOfOrder = new AtomicInteger();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicLong lastSeq = new AtomicLong(-1);
    volatile Status ended;
    private final SentTimes sent;
    private final Latencies latencies;
    volatile ClientCallStreamObserver<SubscribeRequest> call;

    Receiver(SentTimes sent, Latencies latencies) {
      this.sent = sent;
      this.latencies = latencies;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeRequest> call) {
      this.call = call;
    }

    @Override
    public void onNext(SubscribeResponse value) {
      long now = System.nanoTime();
      long seq = Long.parseLong(value.getContent().getFreeText().getBody());
      long last = lastSeq.get();
      if (seq <= last) {
        duplicates.incrementAndGet();
        return;
      }
      if (seq != last + 1) {
        outOfOrder.incrementAndGet();
      }
      lastSeq.set(seq);
      received.incrementAndGet();
      if (latencies != null) {
        long start = sent.of(seq);
        if (start != 0) {
          latencies.add(now - start);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      ended = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
      ended = Status.OK;
    }
  }

  /** One subscriber's stream and whatever it holds open. */
  interface Subscriber extends AutoCloseable {
    Receiver receiver();

    @Override
    void close();
  }

  /**
   * Through the gateway with the client library: its own {@link AlliedClient} (its own connection
   * and token source), following the topic with {@code AlliedClient.subscribe}.
   */
  static Subscriber viaClientLibrary(
      java.net.URI gateway, TokenSource tokens, String topic, Receiver receiver) {
    AlliedClient client = AlliedClient.connect(gateway, tokens);
    ResumingSubscription subscription =
        client.subscribe("KOR", SubscribeRequest.newBuilder().setTopic(topic).build(), receiver);
    return new Subscriber() {
      @Override
      public Receiver receiver() {
        return receiver;
      }

      @Override
      public void close() {
        subscription.close();
        client.close();
      }
    };
  }

  /** Straight to the exchange service, a stream on {@code channel} (as the gateway holds them). */
  static Subscriber direct(
      ManagedChannel channel, TokenSource tokens, String topic, Receiver receiver) {
    ExchangeServiceGrpc.newStub(channel)
        .withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(AlliedMetadata.withBearer(tokens.token())))
        .subscribe(SubscribeRequest.newBuilder().setTopic(topic).build(), receiver);
    return new Subscriber() {
      @Override
      public Receiver receiver() {
        return receiver;
      }

      @Override
      public void close() {
        receiver.call.cancel("scene over", null);
      }
    };
  }

  /**
   * A national system that reads slowly: its own connection with a small receive window (16 KiB),
   * taking one product when told ({@link SlowReceiver#readOne}) until told to read everything.
   */
  static Subscriber slow(
      java.net.URI gateway, TokenSource tokens, String topic, SlowReceiver receiver) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(gateway.getHost(), gateway.getPort())
            .usePlaintext()
            .flowControlWindow(16 * 1024)
            .build();
    Metadata headers = new Metadata();
    headers.put(AlliedMetadata.NATION, "KOR");
    headers.merge(AlliedMetadata.withBearer(tokens.token()));
    ExchangeServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .subscribe(SubscribeRequest.newBuilder().setTopic(topic).build(), receiver);
    return new Subscriber() {
      @Override
      public Receiver receiver() {
        return receiver;
      }

      @Override
      public void close() {
        receiver.call.cancel("scene over", null);
        channel.shutdownNow();
        try {
          channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  /** A receiver that takes products only when asked (gRPC's manual flow control). */
  static final class SlowReceiver extends Receiver {
    SlowReceiver(SentTimes sent) {
      super(sent, null);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeRequest> call) {
      super.beforeStart(call);
      call.disableAutoRequestWithInitial(1);
    }

    void readOne() {
      call.request(1);
    }

    void readEverything() {
      call.request(Integer.MAX_VALUE);
    }
  }
}
