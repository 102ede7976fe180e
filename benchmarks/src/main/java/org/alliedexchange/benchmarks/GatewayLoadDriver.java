package org.alliedexchange.benchmarks;

import static org.alliedexchange.benchmarks.GatewayLoad.STREAM_MESSAGES;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.SearchRequest;

/**
 * The gateway load run's driver: unary Gets with a fixed number always in flight, one Search stream
 * at a time, and what each costs this JVM's and the machine's CPU; and one XADD round trip to the
 * audit Redis, for scale. Calls and the backend pass bytes as they are ({@link #RAW}), so no
 * parsing is measured.
 */
final class GatewayLoadDriver {

  private static final int CONCURRENCY = 16;

  static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  record Result(
      String path,
      double callsPerSecond,
      double p50Millis,
      double p99Millis,
      double jvmCpuMicrosPerCall,
      double machineBusy) {}

  private GatewayLoadDriver() {}

  /** CPU time of this JVM, and the machine's busy and total jiffies from /proc/stat. */
  private static long[] cpu() {
    long jvm =
        ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    long busy = 0;
    long total = 0;
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      for (int i = 1; i < fields.length; i++) {
        long value = Long.parseLong(fields[i]);
        total += value;
        if (i != 4 && i != 5) {
          busy += value;
        }
      }
    } catch (IOException | RuntimeException e) {
      total = 1;
    }
    return new long[] {jvm, busy, total};
  }

  /**
   * One XADD of a record-sized entry at a time, as the audit writer's round trip costs with fsync
   * on every write.
   */
  static double[] redisRoundTrip(java.net.URI url) {
    return redisRoundTrip(url, 0);
  }

  /**
   * As {@link #redisRoundTrip(java.net.URI)}; with {@code replicas} above 0, each XADD is followed
   * in the same pipeline by {@code WAIT replicas}, as the replicated audit mode sends them.
   */
  static double[] redisRoundTrip(java.net.URI url, int replicas) {
    try (redis.clients.jedis.RedisClient client =
        org.alliedexchange.auditstream.RedisConnections.connect(
            url, java.time.Duration.ofSeconds(5))) {
      byte[] key = "allied:bench".getBytes();
      Map<byte[], byte[]> entry = Map.of("event".getBytes(), new byte[600]);
      long[] took = new long[2_000];
      for (int i = 0; i < took.length; i++) {
        long start = System.nanoTime();
        if (replicas == 0) {
          client.xadd(key, redis.clients.jedis.params.XAddParams.xAddParams(), entry);
        } else {
          try (redis.clients.jedis.AbstractPipeline pipeline = client.pipelined()) {
            pipeline.xadd(key, redis.clients.jedis.params.XAddParams.xAddParams(), entry);
            redis.clients.jedis.Response<Long> acknowledged =
                pipeline.waitReplicas(key, replicas, 1_000);
            pipeline.sync();
            if (acknowledged.get() < replicas) {
              throw new IllegalStateException(
                  acknowledged.get() + " of " + replicas + " replica(s) acknowledged");
            }
          }
        }
        took[i] = System.nanoTime() - start;
      }
      Arrays.sort(took);
      return new double[] {took[took.length / 2] / 1e6, took[(int) (took.length * 0.99)] / 1e6};
    }
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .flowControlWindow(4 * 1024 * 1024)
        .build();
  }

  private static io.grpc.Channel withHeaders(ManagedChannel channel, String token) {
    Metadata headers = AlliedMetadata.withBearer(token);
    headers.put(AlliedMetadata.NATION, "KOR");
    return ClientInterceptors.intercept(
        channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** {@value #CONCURRENCY} calls always in flight for {@code seconds}; every call must succeed. */
  static Result unary(String name, int port, String token, long seconds)
      throws InterruptedException {
    ManagedChannel managed = channel(port);
    io.grpc.Channel channel = withHeaders(managed, token);
    MethodDescriptor<byte[], byte[]> get =
        ExchangeServiceGrpc.getGetMethod().toBuilder(RAW, RAW).build();
    byte[] request = GetRequest.newBuilder().setProductId("p").build().toByteArray();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long[] cpuBefore = cpu();
    long[][] latencies = new long[CONCURRENCY][];
    AtomicLong failures = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(CONCURRENCY);
    for (int worker = 0; worker < CONCURRENCY; worker++) {
      int w = worker;
      List<Long> mine = new ArrayList<>();
      new Runnable() {
        long started;

        @Override
        public void run() {
          if (System.nanoTime() > end) {
            latencies[w] = mine.stream().mapToLong(Long::longValue).toArray();
            finished.countDown();
            return;
          }
          started = System.nanoTime();
          ClientCall<byte[], byte[]> call = channel.newCall(get, CallOptions.DEFAULT);
          Runnable next = this;
          ClientCalls.asyncUnaryCall(
              call,
              request,
              new StreamObserver<>() {
                @Override
                public void onNext(byte[] value) {}

                @Override
                public void onError(Throwable t) {
                  if (failures.incrementAndGet() == 1) {
                    System.out.println(name + ": " + Status.fromThrowable(t));
                  }
                  // the next call starts from the root context, not nested in this call's
                  io.grpc.Context.ROOT.run(next);
                }

                @Override
                public void onCompleted() {
                  mine.add(System.nanoTime() - started);
                  io.grpc.Context.ROOT.run(next);
                }
              });
        }
      }.run();
    }
    finished.await();
    long[] cpuAfter = cpu();
    managed.shutdownNow();
    long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
    if (failures.get() > 0) {
      throw new IllegalStateException(name + ": " + failures.get() + " calls failed");
    }
    return new Result(
        name,
        all.length / (double) seconds,
        all[all.length / 2] / 1e6,
        all[(int) (all.length * 0.99)] / 1e6,
        (cpuAfter[0] - cpuBefore[0]) / 1e3 / all.length,
        (cpuAfter[1] - cpuBefore[1]) / (double) Math.max(1, cpuAfter[2] - cpuBefore[2]));
  }

  /** One Search of {@value GatewayLoad#STREAM_MESSAGES} messages; messages per second received. */
  static double stream(int port, String token) throws InterruptedException {
    ManagedChannel managed = channel(port);
    io.grpc.Channel channel = withHeaders(managed, token);
    MethodDescriptor<byte[], byte[]> search =
        ExchangeServiceGrpc.getSearchMethod().toBuilder(RAW, RAW).build();
    AtomicLong received = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    Status[] status = {null};
    long start = System.nanoTime();
    ClientCalls.asyncServerStreamingCall(
        channel.newCall(search, CallOptions.DEFAULT),
        SearchRequest.getDefaultInstance().toByteArray(),
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
            received.incrementAndGet();
          }

          @Override
          public void onError(Throwable t) {
            status[0] = Status.fromThrowable(t);
            done.countDown();
          }

          @Override
          public void onCompleted() {
            status[0] = Status.OK;
            done.countDown();
          }
        });
    done.await(5, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    managed.shutdownNow();
    if (status[0] == null || !status[0].isOk() || received.get() != STREAM_MESSAGES) {
      throw new IllegalStateException(
          "stream ended " + status[0] + " after " + received.get() + " messages");
    }
    return received.get() / seconds;
  }
}
