package org.alliedexchange.benchmarks;

import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.alliedexchange.benchmarks.LiveSubscribers.Receiver;
import org.alliedexchange.benchmarks.LiveSubscribers.SentTimes;
import org.alliedexchange.benchmarks.LiveSubscribers.Subscriber;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.gateway.metrics.CallMeters;

/**
 * The soak (issue 17; not part of the test command): {@code streams} subscriptions (1,000) through
 * the guarded gateway for {@code minutes} (10), each its own national system with its own client
 * library connection, while KOR publishes {@code rate} warnings a second (5). Every minute: the
 * heap in use after a full GC, direct memory, open file descriptors and sockets of this JVM (which
 * holds the gateway, the exchange service and the clients), the streams the gateway and the
 * exchange service hold open, and products delivered against those expected. Tokens last 5 minutes,
 * so every stream is ended at its token's expiry and resumed by the client library from its cursor;
 * nothing may be lost or repeated across that. At the end a verdict.
 *
 * <pre>
 * scripts/soak.sh --minutes 10
 * </pre>
 */
public final class Soak {

  private static final int MINUTES = Integer.getInteger("minutes", 10);
  private static final int STREAMS = Integer.getInteger("streams", 1000);
  private static final int RATE = Integer.getInteger("rate", 5);

  private Soak() {}

  public static void main(String[] args) throws Exception {
    String topic = "bench.soak";
    int capacity = RATE * (MINUTES + 1) * 60;
    SentTimes sent = new SentTimes(capacity);
    List<Subscriber> subscribers = new ArrayList<>(STREAMS);
    boolean ok;
    try (LiveFeedServers servers = new LiveFeedServers();
        AlliedClient publisher = AlliedClient.connect(servers.gatewayUri(), servers.publisher())) {
      MeterRegistry meters = servers.gateway.context().getBean(MeterRegistry.class);
      System.out.printf(
          "soak: %d streams through the gateway for %d minutes, %d publishes/s; one JVM holds the"
              + " gateway, the exchange service and the clients%n",
          STREAMS, MINUTES, RATE);
      for (int i = 0; i < STREAMS; i++) {
        subscribers.add(
            LiveSubscribers.viaClientLibrary(
                servers.gatewayUri(), servers.subscriber(i), topic, new Receiver(sent, null)));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (servers.feed.subscriptions(topic) < STREAMS && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      System.out.printf("%d of %d subscribed%n", servers.feed.subscriptions(topic), STREAMS);
      System.out.println(
          "minute  heap after GC  direct  fds  sockets  threads  gateway streams  gateway->KOR"
              + " connections  exchange subscriptions  published  delivered/expected  behind"
              + "  refused publishes");

      long published = 0;
      int failed = 0;
      Sample first = null;
      Sample last = null;
      long interval = TimeUnit.SECONDS.toNanos(1) / RATE;
      long start = System.nanoTime();
      long next = start;
      for (int minute = 0; minute <= MINUTES; minute++) {
        long minuteEnd = start + TimeUnit.MINUTES.toNanos(minute);
        while (System.nanoTime() < minuteEnd) {
          sent.started(published);
          try {
            publisher.exchange("KOR").publish(LiveSubscribers.warning(topic, published));
            published++;
          } catch (StatusRuntimeException e) {
            failed++;
          }
          next += interval;
          long wait = next - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
        if (minute == MINUTES) {
          // the last products reach everyone before the last line
          long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (System.nanoTime() < drain && delivered(subscribers) < published * STREAMS) {
            Thread.sleep(100);
          }
        }
        Sample sample =
            Sample.take(
                meters.get(CallMeters.OPEN_STREAMS).gauge().value(),
                servers.feed.subscriptions(topic),
                published,
                delivered(subscribers),
                (long) STREAMS * published);
        System.out.printf(
            "%6d  %10.1f MB  %5.1f MB  %4d  %7d  %7d  %15.0f  %24d  %22d  %9d  %,d/%,d  %,d  %d%n",
            minute,
            sample.heapBytes / 1e6,
            sample.directBytes / 1e6,
            sample.fds,
            sample.sockets,
            sample.threads,
            sample.gatewayStreams,
            connectionsTo(servers.kor.port()),
            sample.exchangeSubscriptions,
            sample.published,
            sample.delivered,
            sample.expected,
            sample.expected - sample.delivered,
            failed);
        if (minute == 1) {
          first = sample;
        }
        last = sample;
      }
      long duplicates = 0;
      long outOfOrder = 0;
      int ended = 0;
      for (Subscriber subscriber : subscribers) {
        duplicates += subscriber.receiver().duplicates.get();
        outOfOrder += subscriber.receiver().outOfOrder.get();
        if (subscriber.receiver().ended != null) {
          ended++;
        }
      }
      long lost = last.expected - last.delivered;
      Sample base = first == null ? last : first;
      double heapGrowth = (last.heapBytes - base.heapBytes) / (double) base.heapBytes;
      long fdGrowth = last.fds - base.fds;
      ok = lost == 0 && duplicates == 0 && outOfOrder == 0 && ended == 0 && failed == 0;
      ok &= heapGrowth < 0.20 && fdGrowth <= 10;
      System.out.printf(
          "verdict: %s. From minute 1 to the end: heap after GC %+.1f%% (%.1f -> %.1f MB),"
              + " file descriptors %+d, sockets %+d, threads %+d; lost %d, shown twice %d, out of"
              + " order %d, streams ended for good %d, refused publishes %d%n",
          ok ? "PASS" : "FAIL",
          heapGrowth * 100,
          base.heapBytes / 1e6,
          last.heapBytes / 1e6,
          fdGrowth,
          last.sockets - base.sockets,
          last.threads - base.threads,
          lost,
          duplicates,
          outOfOrder,
          ended,
          failed);
      ExecutorService closing = Executors.newFixedThreadPool(16);
      subscribers.forEach(subscriber -> closing.execute(subscriber::close));
      closing.shutdown();
      closing.awaitTermination(60, TimeUnit.SECONDS);
    }
    System.exit(ok ? 0 : 1);
  }

  /** Established TCP connections to {@code port} on this host (the gateway's, to the backend). */
  private static long connectionsTo(int port) throws IOException {
    String hexPort = String.format(":%04X", port);
    long count = 0;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path file = Path.of(table);
      if (!Files.exists(file)) {
        continue;
      }
      for (String line : Files.readAllLines(file)) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length > 3 && fields[2].endsWith(hexPort) && fields[3].equals("01")) {
          count++;
        }
      }
    }
    return count;
  }

  private static long delivered(List<Subscriber> subscribers) {
    long total = 0;
    for (Subscriber subscriber : subscribers) {
      total += subscriber.receiver().received.get();
    }
    return total;
  }

  private record Sample(
      long heapBytes,
      long directBytes,
      long fds,
      long sockets,
      int threads,
      double gatewayStreams,
      int exchangeSubscriptions,
      long published,
      long delivered,
      long expected) {

    static Sample take(
        double gatewayStreams,
        int exchangeSubscriptions,
        long published,
        long delivered,
        long expected)
        throws IOException {
      System.gc();
      long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      long direct =
          ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
              .filter(pool -> pool.getName().equals("direct"))
              .mapToLong(BufferPoolMXBean::getMemoryUsed)
              .sum();
      long fds;
      long sockets = 0;
      try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
        List<Path> all = open.toList();
        fds = all.size();
        for (Path fd : all) {
          try {
            if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
              sockets++;
            }
          } catch (IOException e) {
            // closed between the listing and the look
          }
        }
      }
      return new Sample(
          heap,
          direct,
          fds,
          sockets,
          Thread.activeCount(),
          gatewayStreams,
          exchangeSubscriptions,
          published,
          delivered,
          expected);
    }
  }
}
