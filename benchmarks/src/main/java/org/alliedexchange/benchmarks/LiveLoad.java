package org.alliedexchange.benchmarks;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.benchmarks.LiveSubscribers.Latencies;
import org.alliedexchange.benchmarks.LiveSubscribers.Receiver;
import org.alliedexchange.benchmarks.LiveSubscribers.SentTimes;
import org.alliedexchange.benchmarks.LiveSubscribers.SlowReceiver;
import org.alliedexchange.benchmarks.LiveSubscribers.Subscriber;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.TokenSource;

/**
 * The live feed the allies share missile warnings on (issue 17): a KOR publisher publishes at a
 * fixed rate (20/s) and N subscribers of Japan and the United States follow the topic, each timing
 * every product from the start of its publish call to its arrival, and checking it got every
 * product once, in order. Scenes: 100 subscribers, 1,000 subscribers, and 1,000 of which a tenth
 * read slowly (one product a second, from a 16 KiB receive window) and must not delay the others.
 * Each scene runs through the guarded gateway (subscribers using the client library, each with its
 * own connection and identity, the publisher too) and straight to the exchange service (one
 * connection holding every stream, as the gateway holds them) in alternation, so the gateway's
 * share shows. Everything runs in this JVM on this machine's cores.
 *
 * <pre>
 * ./mvnw -q -B -pl benchmarks -am install -DskipTests && ./mvnw -q -B -pl benchmarks exec:exec@live-load
 * </pre>
 *
 * <p>{@code -Drate=20} publishes per second, {@code -Dseconds=30} per measured scene, {@code
 * -Dwarmup=60} seconds of warm-up, {@code -Dsizes=100,1000}.
 */
public final class LiveLoad {

  private static final int RATE = Integer.getInteger("rate", 20);
  private static final int SECONDS = Integer.getInteger("seconds", 30);
  private static final int WARMUP = Integer.getInteger("warmup", 60);
  private static final String SIZES = System.getProperty("sizes", "100,1000");
  // -Donly=gateway (or direct) runs that path's scenes alone, e.g. under a profiler
  private static final String ONLY = System.getProperty("only", "");
  private static final AtomicInteger SCENES = new AtomicInteger();

  private LiveLoad() {}

  public static void main(String[] args) throws Exception {
    try (LiveFeedServers servers = new LiveFeedServers();
        AlliedClient publisher = AlliedClient.connect(servers.gatewayUri(), servers.publisher())) {
      System.out.printf(
          "machine: %d cores, Java %s; %d publishes/s, %d s per scene%n",
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"),
          RATE,
          SECONDS);
      TokenSource directTokens = servers.publisher();
      LongConsumer viaGateway =
          seq -> publisher.exchange("KOR").publish(LiveSubscribers.warning(topic(), seq));
      LongConsumer direct =
          seq ->
              ExchangeServiceGrpc.newBlockingStub(servers.direct)
                  .withInterceptors(
                      MetadataUtils.newAttachHeadersInterceptor(
                          AlliedMetadata.withBearer(directTokens.token())))
                  .publish(LiveSubscribers.warning(topic(), seq));
      System.out.printf("warming up for %d s (JIT)%n", WARMUP);
      scene(servers, "warm-up", true, 100, 0, WARMUP * 2 / 3, viaGateway);
      scene(servers, "warm-up", false, 100, 0, WARMUP / 3, direct);
      for (String size : SIZES.split(",")) {
        int n = Integer.parseInt(size.trim());
        if (!ONLY.equals("gateway")) {
          scene(servers, "measured", false, n, 0, SECONDS, direct);
        }
        if (!ONLY.equals("direct")) {
          scene(servers, "measured", true, n, 0, SECONDS, viaGateway);
        }
      }
      int most = Integer.parseInt(SIZES.substring(SIZES.lastIndexOf(',') + 1).trim());
      if (!ONLY.equals("direct")) {
        scene(servers, "measured", true, most, most / 10, SECONDS, viaGateway);
      }
    }
    System.exit(0);
  }

  private static volatile String currentTopic;

  private static String topic() {
    return currentTopic;
  }

  private static void scene(
      LiveFeedServers servers,
      String kind,
      boolean viaGateway,
      int n,
      int slow,
      int seconds,
      LongConsumer publish)
      throws Exception {
    String topic = "bench.live.scene" + SCENES.incrementAndGet();
    currentTopic = topic;
    int count = RATE * seconds;
    SentTimes sent = new SentTimes(count);
    Latencies latencies = new Latencies((n - slow) * count);
    List<Subscriber> subscribers = new ArrayList<>(n);
    List<SlowReceiver> slowOnes = new ArrayList<>();
    long openStart = System.nanoTime();
    for (int i = 0; i < n; i++) {
      // every tenth subscriber reads slowly, when there are slow ones
      boolean isSlow = slow > 0 && i % (n / slow) == n / slow - 1;
      if (isSlow) {
        SlowReceiver receiver = new SlowReceiver(sent);
        slowOnes.add(receiver);
        subscribers.add(
            LiveSubscribers.slow(servers.gatewayUri(), servers.subscriber(i), topic, receiver));
      } else if (viaGateway) {
        subscribers.add(
            LiveSubscribers.viaClientLibrary(
                servers.gatewayUri(), servers.subscriber(i), topic, new Receiver(sent, latencies)));
      } else {
        subscribers.add(
            LiveSubscribers.direct(
                servers.direct, servers.subscriber(i), topic, new Receiver(sent, latencies)));
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (servers.feed.subscriptions(topic) < n && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    double openSeconds = (System.nanoTime() - openStart) / 1e9;
    int open = servers.feed.subscriptions(topic);

    ScheduledExecutorService reading = Executors.newSingleThreadScheduledExecutor();
    reading.scheduleAtFixedRate(
        () -> slowOnes.forEach(SlowReceiver::readOne), 1, 1, TimeUnit.SECONDS);
    int failed = 0;
    String firstFailure = null;
    long interval = TimeUnit.SECONDS.toNanos(1) / RATE;
    long next = System.nanoTime();
    for (int seq = 0; seq < count; seq++) {
      sent.started(seq);
      try {
        publish.accept(seq);
      } catch (StatusRuntimeException e) {
        failed++;
        if (firstFailure == null) {
          firstFailure = e.getStatus().toString();
        }
      }
      next += interval;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
    }
    int expected = count - failed;
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && !allDone(subscribers, slowOnes, expected)) {
      Thread.sleep(50);
    }
    reading.shutdownNow();

    // the slow ones, behind by now, read everything: they catch up from the exchange service's
    // store
    long slowBehindMax = 0;
    for (SlowReceiver receiver : slowOnes) {
      slowBehindMax = Math.max(slowBehindMax, expected - receiver.received.get());
    }
    long catchUpStart = System.nanoTime();
    slowOnes.forEach(SlowReceiver::readEverything);
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline
        && slowOnes.stream().anyMatch(r -> r.ended == null && r.received.get() < expected)) {
      Thread.sleep(50);
    }
    double catchUpSeconds = (System.nanoTime() - catchUpStart) / 1e9;

    report(
        kind,
        viaGateway,
        n,
        slowOnes.size(),
        openSeconds,
        open,
        expected,
        failed,
        firstFailure,
        subscribers,
        latencies);
    if (!slowOnes.isEmpty()) {
      int complete = 0;
      int ended = 0;
      int disordered = 0;
      String endedWith = "";
      for (SlowReceiver receiver : slowOnes) {
        if (receiver.received.get() == expected) {
          complete++;
        }
        if (receiver.ended != null) {
          ended++;
          endedWith = receiver.ended.toString();
        }
        disordered += receiver.outOfOrder.get() + receiver.duplicates.get();
      }
      System.out.printf(
          "    slow subscribers: %d, at most %d products behind when publishing stopped; told to"
              + " read on, %d of %d had all %d in order within %.1f s (out of order or twice: %d;"
              + " ended: %d%s)%n",
          slowOnes.size(),
          slowBehindMax,
          complete,
          slowOnes.size(),
          expected,
          catchUpSeconds,
          disordered,
          ended,
          ended == 0 ? "" : ", e.g. " + endedWith);
    }
    ExecutorService closing = Executors.newFixedThreadPool(16);
    subscribers.forEach(subscriber -> closing.execute(subscriber::close));
    closing.shutdown();
    closing.awaitTermination(60, TimeUnit.SECONDS);
  }

  private static boolean allDone(
      List<Subscriber> subscribers, List<SlowReceiver> slowOnes, int expected) {
    for (Subscriber subscriber : subscribers) {
      Receiver receiver = subscriber.receiver();
      if (!slowOnes.contains(receiver)
          && receiver.ended == null
          && receiver.received.get() < expected) {
        return false;
      }
    }
    return true;
  }

  private static void report(
      String kind,
      boolean viaGateway,
      int n,
      int slow,
      double openSeconds,
      int open,
      int expected,
      int failed,
      String firstFailure,
      List<Subscriber> subscribers,
      Latencies latencies) {
    long delivered = 0;
    long missing = 0;
    long disordered = 0;
    int ended = 0;
    String endedWith = "";
    for (Subscriber subscriber : subscribers) {
      Receiver receiver = subscriber.receiver();
      if (receiver instanceof SlowReceiver) {
        continue;
      }
      delivered += receiver.received.get();
      missing += Math.max(0, expected - receiver.received.get());
      disordered += receiver.outOfOrder.get() + receiver.duplicates.get();
      if (receiver.ended != null) {
        ended++;
        endedWith = receiver.ended.toString();
      }
    }
    double[] summary = latencies.summary();
    System.out.printf(
        "%-8s %-8s %5d subscribers%s: p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  (%,d samples);"
            + " delivered %,d of %,d, missing %d, out of order or twice %d, streams ended %d%s;"
            + " %d of %d subscribed in %.1f s; publishes failed %d%s%n",
        kind,
        viaGateway ? "gateway" : "direct",
        n,
        slow == 0 ? "" : " (" + slow + " slow)",
        summary[0],
        summary[1],
        summary[2],
        latencies.size(),
        delivered,
        (long) expected * (n - slow),
        missing,
        disordered,
        ended,
        ended == 0 ? "" : " e.g. " + endedWith,
        open,
        n,
        openSeconds,
        failed,
        firstFailure == null ? "" : " e.g. " + firstFailure);
  }
}
