package org.alliedexchange.benchmarks;

import static org.alliedexchange.benchmarks.GatewayLoadDriver.redisRoundTrip;
import static org.alliedexchange.benchmarks.GatewayLoadDriver.stream;
import static org.alliedexchange.benchmarks.GatewayLoadDriver.unary;
import static org.alliedexchange.benchmarks.GatewayLoadServers.backend;
import static org.alliedexchange.benchmarks.GatewayLoadServers.bareGateway;
import static org.alliedexchange.benchmarks.GatewayLoadServers.product;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.benchmarks.GatewayLoadDriver.Result;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.gateway.GatewayApplication;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.NationalKey;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One proxy hop, side by side in one run on the same backend: unary calls direct, through nginx
 * {@code grpc_pass} (when nginx is installed), through a bare Spring Cloud Gateway, and through the
 * guarded gateway (token check, per-message decision and binding check, audit to Redis with fsync
 * before release), and through the same guard in the replicated durability mode (its audit Redis
 * fsyncs once a second, and a replica acknowledges each batch through {@code WAIT} before release).
 * Then a stream of 100,000 labelled messages direct and through the guard.
 *
 * <p>The backend is an in-memory gRPC server answering with one KOR product signed like the
 * exchange service's, so the figures measure the hop, not a database. The guarded gateway reaches
 * its copy of it over mutual TLS, as it reaches real backends; a second guarded gateway, and the
 * other paths, over h2c, so the guard's cost and mutual TLS's can be told apart. Everything shares
 * this machine's cores.
 *
 * <p>This class starts what is measured and prints the report; the servers are in {@code
 * GatewayLoadServers} and {@code Nginx}, the calls in {@code GatewayLoadDriver}.
 */
public final class GatewayLoad {

  static final int STREAM_MESSAGES = 100_000;
  private static final long WARMUP_SECONDS = Long.getLong("warmup", 30);
  private static final long MEASURE_SECONDS = Long.getLong("measure", 6);
  private static final int ROUNDS = Integer.getInteger("rounds", 5);
  // more stream rounds give a profiler something to sample
  private static final int STREAM_ROUNDS = Integer.getInteger("streamRounds", 3);

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("allied-gateway-load-");
    NationalKey key = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    Path korPublic = key.writePublicKeyBeside(dir.resolve("kor.pem"));
    byte[] product = product(new BindingSigner("KOR", key));
    Server backend = backend(product);
    String backendUrl = "http://127.0.0.1:" + backend.getPort();
    System.out.printf("backend on %s; one product is %d bytes%n", backendUrl, product.length);
    // the guarded gateway reaches its own copy of the backend as it reaches real ones: mutual TLS
    FederationCertificates pki = FederationCertificates.openOrCreate(dir.resolve("pki"));
    FederationCertificates.Issued server =
        pki.issue("exchange-kor", FederationCertificates.Use.SERVER);
    FederationCertificates.Issued client =
        pki.issue("allied-gateway", FederationCertificates.Use.CLIENT);
    Server tlsBackend =
        backend(
            product,
            GrpcSslContexts.configure(
                    SslContextBuilder.forServer(
                        server.certificate().toFile(), server.privateKey().toFile()))
                .trustManager(pki.authority().toFile())
                .clientAuth(ClientAuth.REQUIRE)
                .build());
    String tlsBackendUrl = "https://127.0.0.1:" + tlsBackend.getPort();

    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis"));
        LocalRedis replicatedRedis =
            LocalRedis.startWithFsyncEverySecond(dir.resolve("redis-replicated"));
        LocalRedis replica = replicatedRedis.startReplica(dir.resolve("redis-replica"));
        TestTokens tokens = new TestTokens()) {
      awaitReplica(replica);
      Map<String, Object> guarded = new HashMap<>();
      guarded.put("server.port", "0");
      guarded.put("allied.gateway.nations.KOR.addresses[0]", tlsBackendUrl);
      GatewayApplication.addBackendTls(
          guarded, client.certificate(), client.privateKey(), client.authority());
      guarded.put("allied.gateway.nations.KOR.binding-keys[0]", korPublic.toString());
      guarded.put("allied.gateway.auth.issuer", tokens.issuer.toString());
      guarded.put("allied.gateway.audit-redis", redis.url(LocalRedis.User.GATEWAY).toString());
      guarded.put("allied.gateway.rate-limit.calls-per-second", "10000000");
      // the same guard reaching the backend over h2c, to tell the guard's cost from mutual TLS's
      Map<String, Object> guardedPlaintext = new HashMap<>(guarded);
      guardedPlaintext.keySet().removeIf(k -> k.startsWith("allied.gateway.backend-tls"));
      guardedPlaintext.put("allied.gateway.nations.KOR.addresses[0]", backendUrl);
      // the same guard, its records durable once the replica acknowledged them
      Map<String, Object> guardedReplicated = new HashMap<>(guarded);
      guardedReplicated.put(
          "allied.gateway.audit-redis", replicatedRedis.url(LocalRedis.User.GATEWAY).toString());
      guardedReplicated.put("allied.gateway.audit.durability.mode", "replicated");
      guardedReplicated.put("allied.gateway.audit.durability.replicas", "1");
      String token = readerToken(tokens);

      try (GatewayApplication.Running gateway = GatewayApplication.start(guarded);
          GatewayApplication.Running plaintextGateway = GatewayApplication.start(guardedPlaintext);
          GatewayApplication.Running replicatedGateway =
              GatewayApplication.start(guardedReplicated);
          ConfigurableApplicationContext bare = bareGateway(backendUrl);
          Nginx nginx = Nginx.start(dir.resolve("nginx"), backend.getPort())) {
        int barePort =
            ((org.springframework.boot.web.server.context.WebServerApplicationContext) bare)
                .getWebServer()
                .getPort();
        Map<String, Integer> paths = new java.util.LinkedHashMap<>();
        paths.put("direct", backend.getPort());
        if (nginx != null) {
          paths.put("nginx grpc_pass", nginx.port);
        }
        paths.put("bare Spring Cloud Gateway", barePort);
        paths.put("gateway with the guard", gateway.port());
        paths.put("guard, h2c to the backend", plaintextGateway.port());
        paths.put("guard, replicated audit", replicatedGateway.port());
        // -Donly=bare,h2c (say) measures the paths whose name contains one of these, e.g. under a
        // profiler
        String only = System.getProperty("only");
        if (only != null) {
          List<String> wanted = List.of(only.split(","));
          paths.keySet().removeIf(path -> wanted.stream().noneMatch(path::contains));
        }

        double[] xadd = redisRoundTrip(redis.url());
        System.out.printf(
            "one XADD round trip to the audit Redis (appendfsync always): p50 %.2f ms, p99 %.2f ms%n",
            xadd[0], xadd[1]);
        double[] xaddWait = redisRoundTrip(replicatedRedis.url(), 1);
        System.out.printf(
            "one XADD + WAIT 1 round trip to the replicated audit Redis (appendfsync everysec, one"
                + " replica): p50 %.2f ms, p99 %.2f ms%n",
            xaddWait[0], xaddWait[1]);
        System.out.printf("warming up every path for %d s%n", WARMUP_SECONDS);
        for (Map.Entry<String, Integer> path : paths.entrySet()) {
          unary(path.getKey(), path.getValue(), token, WARMUP_SECONDS);
        }
        // rounds alternate the paths, so that every path sees the same stretches of this shared
        // machine's noise
        Map<String, List<Result>> byPath = new java.util.LinkedHashMap<>();
        for (int round = 1; round <= ROUNDS; round++) {
          for (Map.Entry<String, Integer> path : paths.entrySet()) {
            Result result = unary(path.getKey(), path.getValue(), token, MEASURE_SECONDS);
            byPath.computeIfAbsent(path.getKey(), k -> new ArrayList<>()).add(result);
            System.out.printf(
                "round %d  %-28s %,9.0f calls/s  p50 %6.2f ms  p99 %6.2f ms  this JVM %5.0f µs CPU/call  machine %3.0f%% busy%n",
                round,
                result.path(),
                result.callsPerSecond(),
                result.p50Millis(),
                result.p99Millis(),
                result.jvmCpuMicrosPerCall(),
                result.machineBusy() * 100);
          }
        }
        System.out.printf("%nmedian of %d rounds:%n", ROUNDS);
        byPath.forEach(
            (path, rounds) ->
                System.out.printf(
                    "%-28s %,9.0f calls/s  p50 %6.2f ms  p99 %6.2f ms%n",
                    path,
                    median(rounds.stream().mapToDouble(Result::callsPerSecond)),
                    median(rounds.stream().mapToDouble(Result::p50Millis)),
                    median(rounds.stream().mapToDouble(Result::p99Millis))));
        List<Result> bareRounds = byPath.get("bare Spring Cloud Gateway");
        List<Result> nginxRounds = byPath.get("nginx grpc_pass");
        for (String guardPath :
            List.of(
                "gateway with the guard", "guard, h2c to the backend", "guard, replicated audit")) {
          List<Result> guard = byPath.get(guardPath);
          if (guard == null || bareRounds == null) {
            continue;
          }
          double[] ratios =
              java.util.stream.IntStream.range(0, ROUNDS)
                  .mapToDouble(
                      i -> guard.get(i).callsPerSecond() / bareRounds.get(i).callsPerSecond())
                  .sorted()
                  .toArray();
          System.out.printf(
              "%s / bare gateway throughput, per round: %s; median %.2f%n",
              guardPath,
              Arrays.toString(
                  Arrays.stream(ratios).mapToObj(r -> String.format("%.2f", r)).toArray()),
              median(Arrays.stream(ratios)));
          if (nginxRounds != null) {
            System.out.printf(
                "median %s / nginx: %.2f; bare / nginx: %.2f%n",
                guardPath,
                median(
                    java.util.stream.IntStream.range(0, ROUNDS)
                        .mapToDouble(
                            i ->
                                guard.get(i).callsPerSecond()
                                    / nginxRounds.get(i).callsPerSecond())),
                median(
                    java.util.stream.IntStream.range(0, ROUNDS)
                        .mapToDouble(
                            i ->
                                bareRounds.get(i).callsPerSecond()
                                    / nginxRounds.get(i).callsPerSecond())));
          }
        }

        System.out.printf(
            "%nstreams of %,d labelled messages (Search), after one warm-up stream each:%n",
            STREAM_MESSAGES);
        // a long warm-up outlives the first token (the gateway ends a stream whose token expired)
        String streamToken = readerToken(tokens);
        for (int round = 1; round <= STREAM_ROUNDS; round++) {
          for (String path :
              List.of(
                  "direct",
                  "gateway with the guard",
                  "guard, h2c to the backend",
                  "guard, replicated audit")) {
            if (!paths.containsKey(path)) {
              continue;
            }
            int port = paths.get(path);
            if (round == 1) {
              stream(port, streamToken);
            }
            System.out.printf(
                "round %d  %-28s %,9.0f messages/s%n", round, path, stream(port, streamToken));
          }
        }
      }
    } finally {
      backend.shutdownNow();
      tlsBackend.shutdownNow();
    }
    System.exit(0);
  }

  /** Until the replica has copied the primary and follows it. */
  private static void awaitReplica(LocalRedis replica) throws InterruptedException {
    try (redis.clients.jedis.RedisClient client =
        org.alliedexchange.auditstream.RedisConnections.connect(
            replica.url(), java.time.Duration.ofSeconds(5))) {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (!client.info("replication").contains("master_link_status:up")) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the replica did not reach its primary in 30 s");
        }
        Thread.sleep(100);
      }
    }
  }

  private static double median(java.util.stream.DoubleStream values) {
    double[] sorted = values.sorted().toArray();
    return sorted.length % 2 == 1
        ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }

  /** A JPN reader's token, cleared SECRET for missile warnings: every path's caller. */
  private static String readerToken(TestTokens tokens) {
    return tokens.token(
        "jpn-mod-reader", "JPN", "SECRET", List.of("MISSILE_WARNING"), List.of("exchange-read"));
  }
}
