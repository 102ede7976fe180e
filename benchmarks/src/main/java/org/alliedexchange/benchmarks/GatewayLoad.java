package org.alliedexchange.benchmarks;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.gateway.GatewayApplication;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.accesstoken.TestTokens;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One proxy hop, side by side in one run on the same backend: unary calls direct, through nginx
 * {@code grpc_pass} (when nginx is installed), through a bare Spring Cloud Gateway, and through the
 * guarded gateway (token check, per-message decision and binding check, audit to Redis with fsync
 * before release). Then a stream of 100,000 labelled messages direct and through the guard.
 *
 * <p>The backend is an in-memory gRPC server answering with one KOR product signed like the exchange
 * service's, so the figures measure the hop, not a database. Everything shares this machine's cores.
 */
public final class GatewayLoad {

  private static final int CONCURRENCY = 16;
  private static final int STREAM_MESSAGES = 100_000;
  private static final long WARMUP_SECONDS = Long.getLong("warmup", 8);
  private static final long MEASURE_SECONDS = Long.getLong("measure", 6);
  private static final int ROUNDS = Integer.getInteger("rounds", 5);
  private static final Metadata.Key<String> NATION = Metadata.Key.of("allied-nation", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
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

  record Result(String path, double callsPerSecond, double p50Millis, double p99Millis, double jvmCpuMicrosPerCall, double machineBusy) {}

  /** CPU time of this JVM, and the machine's busy and total jiffies from /proc/stat. */
  private static long[] cpu() {
    long jvm = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
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

  /** One XADD of a record-sized entry at a time, as the audit writer's round trip costs with fsync on every write. */
  private static double[] redisRoundTrip(java.net.URI url) {
    try (redis.clients.jedis.RedisClient client = redis.clients.jedis.RedisClient.create(url.getHost(), url.getPort())) {
      byte[] key = "allied:bench".getBytes();
      Map<byte[], byte[]> entry = Map.of("event".getBytes(), new byte[600]);
      long[] took = new long[2_000];
      for (int i = 0; i < took.length; i++) {
        long start = System.nanoTime();
        client.xadd(key, redis.clients.jedis.params.XAddParams.xAddParams(), entry);
        took[i] = System.nanoTime() - start;
      }
      Arrays.sort(took);
      return new double[] {took[took.length / 2] / 1e6, took[(int) (took.length * 0.99)] / 1e6};
    }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("allied-gateway-load-");
    NationalKey key = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    Path korPublic = key.writePublicKeyBeside(dir.resolve("kor.pem"));
    byte[] product = product(new BindingSigner("KOR", key));
    Server backend = backend(product);
    String backendUrl = "http://127.0.0.1:" + backend.getPort();
    System.out.printf("backend on %s; one product is %d bytes%n", backendUrl, product.length);

    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis")); TestTokens tokens = new TestTokens()) {
      Map<String, Object> guarded = new HashMap<>();
      guarded.put("server.port", "0");
      guarded.put("allied.gateway.nations.KOR.addresses[0]", backendUrl);
      guarded.put("allied.gateway.nations.KOR.binding-keys[0]", korPublic.toString());
      guarded.put("allied.gateway.auth.issuer", tokens.issuer.toString());
      guarded.put("allied.gateway.audit-redis", redis.url().toString());
      guarded.put("allied.gateway.rate-limit.calls-per-second", "10000000");
      String token = tokens.token("jpn-mod-reader", "JPN", "SECRET", List.of("MISSILE_WARNING"), List.of("exchange-read"));

      try (GatewayApplication.Running gateway = GatewayApplication.start(guarded);
           ConfigurableApplicationContext bare = bareGateway(backendUrl);
           Nginx nginx = Nginx.start(dir.resolve("nginx"), backend.getPort())) {
        int barePort = ((org.springframework.boot.web.server.context.WebServerApplicationContext) bare).getWebServer().getPort();
        Map<String, Integer> paths = new java.util.LinkedHashMap<>();
        paths.put("direct", backend.getPort());
        if (nginx != null) {
          paths.put("nginx grpc_pass", nginx.port);
        }
        paths.put("bare Spring Cloud Gateway", barePort);
        paths.put("gateway with the guard", gateway.port());
        // -Donly=guard (say) measures the paths whose name contains it, e.g. under a profiler
        String only = System.getProperty("only");
        if (only != null) {
          paths.keySet().removeIf(path -> !path.contains(only));
        }

        double[] xadd = redisRoundTrip(redis.url());
        System.out.printf("one XADD round trip to the audit Redis (appendfsync always): p50 %.2f ms, p99 %.2f ms%n", xadd[0], xadd[1]);
        System.out.printf("warming up every path for %d s%n", WARMUP_SECONDS);
        for (Map.Entry<String, Integer> path : paths.entrySet()) {
          unary(path.getKey(), path.getValue(), token, WARMUP_SECONDS);
        }
        // rounds alternate the paths, so that every path sees the same stretches of this shared machine's noise
        Map<String, List<Result>> byPath = new java.util.LinkedHashMap<>();
        for (int round = 1; round <= ROUNDS; round++) {
          for (Map.Entry<String, Integer> path : paths.entrySet()) {
            Result result = unary(path.getKey(), path.getValue(), token, MEASURE_SECONDS);
            byPath.computeIfAbsent(path.getKey(), k -> new ArrayList<>()).add(result);
            System.out.printf("round %d  %-28s %,9.0f calls/s  p50 %6.2f ms  p99 %6.2f ms  this JVM %5.0f µs CPU/call  machine %3.0f%% busy%n",
                round, result.path(), result.callsPerSecond(), result.p50Millis(), result.p99Millis(), result.jvmCpuMicrosPerCall(),
                result.machineBusy() * 100);
          }
        }
        System.out.printf("%nmedian of %d rounds:%n", ROUNDS);
        byPath.forEach((path, rounds) -> System.out.printf("%-28s %,9.0f calls/s  p50 %6.2f ms  p99 %6.2f ms%n", path,
            median(rounds.stream().mapToDouble(Result::callsPerSecond)), median(rounds.stream().mapToDouble(Result::p50Millis)),
            median(rounds.stream().mapToDouble(Result::p99Millis))));
        List<Result> guard = byPath.get("gateway with the guard");
        List<Result> bareRounds = byPath.get("bare Spring Cloud Gateway");
        List<Result> nginxRounds = byPath.get("nginx grpc_pass");
        if (guard != null && bareRounds != null) {
          double[] ratios = java.util.stream.IntStream.range(0, ROUNDS)
              .mapToDouble(i -> guard.get(i).callsPerSecond() / bareRounds.get(i).callsPerSecond()).sorted().toArray();
          System.out.printf("guard / bare gateway throughput, per round: %s; median %.2f%n", Arrays.toString(
              Arrays.stream(ratios).mapToObj(r -> String.format("%.2f", r)).toArray()), median(Arrays.stream(ratios)));
          if (nginxRounds != null) {
            System.out.printf("median guard / nginx: %.2f; bare / nginx: %.2f%n",
                median(java.util.stream.IntStream.range(0, ROUNDS).mapToDouble(i -> guard.get(i).callsPerSecond() / nginxRounds.get(i).callsPerSecond())),
                median(java.util.stream.IntStream.range(0, ROUNDS).mapToDouble(i -> bareRounds.get(i).callsPerSecond() / nginxRounds.get(i).callsPerSecond())));
          }
        }

        System.out.printf("%nstreams of %,d labelled messages (Search), after one warm-up stream each:%n", STREAM_MESSAGES);
        for (int round = 1; round <= 3; round++) {
          for (String path : List.of("direct", "gateway with the guard")) {
            if (!paths.containsKey(path)) {
              continue;
            }
            int port = paths.get(path);
            if (round == 1) {
              stream(port, token);
            }
            System.out.printf("round %d  %-28s %,9.0f messages/s%n", round, path, stream(port, token));
          }
        }
      }
    } finally {
      backend.shutdownNow();
    }
    System.exit(0);
  }

  private static double median(java.util.stream.DoubleStream values) {
    double[] sorted = values.sorted().toArray();
    return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }

  private static byte[] product(BindingSigner signer) {
    SecurityLabel label = SecurityLabel.newBuilder().setPolicy("KOR").setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
        .setMarking("군사II급비밀").setOriginator("KOR").addAllReleasableTo(List.of("KOR", "JPN", "USA")).addCommunities("MISSILE_WARNING")
        .build();
    ProductContent content = ProductContent.newBuilder().setId(java.util.UUID.randomUUID().toString()).setTopic("dprk.missile.launch")
        .setPublisher("kor-jcs-publisher")
        .setFreeText(org.alliedexchange.api.exchange.v1.FreeTextReport.newBuilder().setTitle("launch").setBody("x".repeat(600)))
        .build();
    return SearchResponse.newBuilder().setLabel(label).setContent(content)
        .setBinding(signer.sign(label.toByteArray(), content.toByteArray(), Instant.now())).setCursor("s1").build().toByteArray();
  }

  /** Get answers the product; Search streams it {@value #STREAM_MESSAGES} times, paced by the client's flow control. */
  private static Server backend(byte[] product) throws IOException {
    ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(ExchangeServiceGrpc.SERVICE_NAME);
    for (var method : ExchangeServiceGrpc.getServiceDescriptor().getMethods()) {
      MethodDescriptor<byte[], byte[]> raw = ((MethodDescriptor<?, ?>) method).toBuilder(RAW, RAW).build();
      if (raw.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
        service.addMethod(raw, ServerCalls.asyncServerStreamingCall((request, responses) -> {
          ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) responses;
          int[] sent = {0};
          AtomicBoolean done = new AtomicBoolean();
          out.setOnReadyHandler(() -> {
            while (out.isReady() && sent[0] < STREAM_MESSAGES) {
              out.onNext(product);
              sent[0]++;
            }
            if (sent[0] == STREAM_MESSAGES && done.compareAndSet(false, true)) {
              out.onCompleted();
            }
          });
        }));
      } else {
        service.addMethod(raw, ServerCalls.asyncUnaryCall((request, responses) -> {
          responses.onNext(product);
          responses.onCompleted();
        }));
      }
    }
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service.build()).build().start();
  }

  private static ConfigurableApplicationContext bareGateway(String backend) {
    SpringApplication application = new SpringApplication(BareGateway.class);
    application.setWebApplicationType(WebApplicationType.REACTIVE);
    application.setDefaultProperties(Map.of("server.port", "0", "server.address", "127.0.0.1", "server.http2.enabled", "true",
        "spring.main.banner-mode", "off", "bare.backend", backend,
        "spring.cloud.gateway.server.webflux.filter.json-to-grpc.enabled", "false"));
    return application.run();
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().flowControlWindow(4 * 1024 * 1024).build();
  }

  private static io.grpc.Channel withHeaders(ManagedChannel channel, String token) {
    Metadata headers = new Metadata();
    headers.put(NATION, "KOR");
    headers.put(AUTHORIZATION, "Bearer " + token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** {@value #CONCURRENCY} calls always in flight for {@code seconds}; every call must succeed. */
  private static Result unary(String name, int port, String token, long seconds) throws InterruptedException {
    ManagedChannel managed = channel(port);
    io.grpc.Channel channel = withHeaders(managed, token);
    MethodDescriptor<byte[], byte[]> get = ExchangeServiceGrpc.getGetMethod().toBuilder(RAW, RAW).build();
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
          ClientCalls.asyncUnaryCall(call, request, new StreamObserver<>() {
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
    return new Result(name, all.length / (double) seconds, all[all.length / 2] / 1e6, all[(int) (all.length * 0.99)] / 1e6,
        (cpuAfter[0] - cpuBefore[0]) / 1e3 / all.length, (cpuAfter[1] - cpuBefore[1]) / (double) Math.max(1, cpuAfter[2] - cpuBefore[2]));
  }

  /** One Search of {@value #STREAM_MESSAGES} messages; messages per second received. */
  private static double stream(int port, String token) throws InterruptedException {
    ManagedChannel managed = channel(port);
    io.grpc.Channel channel = withHeaders(managed, token);
    MethodDescriptor<byte[], byte[]> search = ExchangeServiceGrpc.getSearchMethod().toBuilder(RAW, RAW).build();
    AtomicLong received = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    Status[] status = {null};
    long start = System.nanoTime();
    ClientCalls.asyncServerStreamingCall(channel.newCall(search, CallOptions.DEFAULT), SearchRequest.getDefaultInstance().toByteArray(),
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
      throw new IllegalStateException("stream ended " + status[0] + " after " + received.get() + " messages");
    }
    return received.get() / seconds;
  }

  /** nginx proxying gRPC to the backend, when nginx is installed (Debian: nginx-light). */
  static final class Nginx implements AutoCloseable {
    final Process process;
    final int port;

    private Nginx(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static Nginx start(Path dir, int backendPort) throws Exception {
      Path binary = List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/local/sbin/nginx")).stream().filter(Files::isExecutable).findFirst().orElse(null);
      if (binary == null) {
        System.out.println("nginx is not installed (apt-get install nginx-light): its row is left out");
        return null;
      }
      Files.createDirectories(dir.resolve("tmp"));
      int port;
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      String conf = """
          worker_processes auto;
          daemon off;
          pid %1$s/nginx.pid;
          error_log %1$s/error.log warn;
          events { worker_connections 4096; }
          http {
            access_log off;
            client_body_temp_path %1$s/tmp;
            proxy_temp_path %1$s/tmp;
            fastcgi_temp_path %1$s/tmp;
            uwsgi_temp_path %1$s/tmp;
            scgi_temp_path %1$s/tmp;
            upstream backend { server 127.0.0.1:%2$d; keepalive 32; }
            server {
              listen 127.0.0.1:%3$d http2;
              location / { grpc_pass grpc://backend; }
            }
          }
          """.formatted(dir, backendPort, port);
      Files.writeString(dir.resolve("nginx.conf"), conf);
      Process process = new ProcessBuilder(binary.toString(), "-c", dir.resolve("nginx.conf").toString(), "-p", dir.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
      long deadline = System.currentTimeMillis() + 5_000;
      while (System.currentTimeMillis() < deadline) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
          return new Nginx(process, port);
        } catch (IOException e) {
          Thread.sleep(50);
        }
      }
      process.destroyForcibly();
      throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("out.log")));
    }

    @Override
    public void close() {
      process.destroy();
    }
  }
}
