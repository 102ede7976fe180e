package org.alliedexchange.benchmarks;

import static org.alliedexchange.benchmarks.ExchangeLoadDriver.liveLatencies;
import static org.alliedexchange.benchmarks.ExchangeLoadDriver.publishMany;
import static org.alliedexchange.benchmarks.ExchangeLoadDriver.searchAll;
import static org.alliedexchange.benchmarks.ExchangeLoadDriver.searchAllUnparsed;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.client.ClientCredentials;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.exchange.ExchangeServiceApplication;
import org.alliedexchange.serviceruntime.GatewayOnlyTls;

/**
 * A load run against one real exchange service (KOR) on an embedded PostgreSQL, with real Keycloak
 * tokens, client and server on the same machine. Measures the issue-4 figures: publish throughput,
 * search streaming to one client, and live-product latency to a subscriber.
 *
 * <p>This class starts the servers and prints the report; the calls are in {@code
 * ExchangeLoadDriver}.
 *
 * <pre>
 * ./mvnw -q -B -pl benchmarks -am install -DskipTests && ./mvnw -q -B -pl benchmarks exec:exec@exchange-load
 * </pre>
 */
public final class ExchangeLoad {

  private static final int PUBLISH_WARMUP = 3_000;
  private static final int PUBLISHED = 60_000;
  private static final int WITHHELD = Integer.getInteger("withheld", 0);
  static final int CONCURRENCY = 64;

  private ExchangeLoad() {}

  public static void main(String[] args) throws Exception {
    Path data = Files.createTempDirectory("allied-exchange-load-");
    try (LocalRedis redis = LocalRedis.start(data.resolve("redis"));
        LocalKeycloak keycloak = LocalKeycloak.builder().auditRedis(redis.url()).start();
        LocalPostgres postgres = LocalPostgres.start(data.resolve("kor").resolve("postgres"))) {
      Map<String, Object> properties =
          ExchangeServiceApplication.localProperties(
              "KOR",
              data.resolve("kor"),
              postgres.url(),
              redis.url(),
              keycloak.issuer(),
              URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"));
      properties.put("logging.level.root", "WARN");
      // the service answers only the gateway, over mutual TLS: this load calls as the gateway
      FederationCertificates pki = FederationCertificates.openOrCreate(data.resolve("pki"));
      FederationCertificates.Issued server =
          pki.issue("exchange-kor", FederationCertificates.Use.SERVER);
      FederationCertificates.Issued gateway =
          pki.issue("allied-gateway", FederationCertificates.Use.CLIENT);
      ExchangeServiceApplication.addTls(
          properties, server.certificate(), server.privateKey(), server.authority());
      try (ExchangeServiceApplication.Running kor =
          ExchangeServiceApplication.start(properties, null)) {
        // the client's callbacks never block, so they run on the transport thread (no hand-off per
        // message)
        ManagedChannel channel =
            NettyChannelBuilder.forAddress("127.0.0.1", kor.port())
                .sslContext(
                    GatewayOnlyTls.grpcClientContext(
                        gateway.certificate(), gateway.privateKey(), gateway.authority()))
                .directExecutor()
                .maxInboundMessageSize(16 << 20)
                .build();
        try {
          if (WITHHELD > 0) {
            withheld(channel, keycloak, redis);
          } else {
            run(channel, keycloak);
          }
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
    System.exit(0);
  }

  /**
   * {@code -Dwithheld=N}: instead of the issue-4 figures, N KOR products releasable to KOR alone,
   * and USA's reader searching their topic five times: each page reads past all N, audits them in
   * summaries and ends empty. Prints each page's time, rows/s read past, and what the summaries add
   * to the exchange service's audit stream per row.
   */
  private static void withheld(ManagedChannel channel, LocalKeycloak keycloak, LocalRedis redis)
      throws Exception {
    String publisher = token(keycloak, "kor-jcs-publisher");
    publishMany(channel, publisher, "bench.withheld", WITHHELD, "KOR");
    String reader = token(keycloak, "usa-dia-reader");
    String stream = org.alliedexchange.auditstream.AuditWriter.exchange("KOR").streamKey();
    for (int round = 1; round <= 5; round++) {
      long before = summaryBytes(redis, stream);
      long nanos = ExchangeLoadDriver.searchPastWithheld(channel, reader, "bench.withheld");
      long bytes = summaryBytes(redis, stream) - before;
      System.out.printf(
          "search past %,d withheld rows, round %d: %.1f ms, %,.0f rows/s; summaries %,d bytes,"
              + " %.1f bytes a row%n",
          WITHHELD, round, nanos / 1e6, WITHHELD / (nanos / 1e9), bytes, (double) bytes / WITHHELD);
    }
  }

  /** The bytes of every summary of withheld rows on the stream. */
  private static long summaryBytes(LocalRedis redis, String stream) throws Exception {
    long bytes = 0;
    for (var event :
        org.alliedexchange.auditstream.AuditStreamReader.readAll(redis.url(), stream)) {
      if (event.getTransfer().getWithheldCount() > 0) {
        bytes += event.getSerializedSize();
      }
    }
    return bytes;
  }

  private static void run(ManagedChannel channel, LocalKeycloak keycloak) throws Exception {
    String publisher = token(keycloak, "kor-jcs-publisher");
    System.out.printf(
        "machine: %d cores, %s%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

    publishMany(channel, publisher, "bench.warmup", PUBLISH_WARMUP);
    long start = System.nanoTime();
    publishMany(channel, publisher, "bench.search", PUBLISHED);
    double publishSeconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "publish: %,d products, %d concurrent calls, %.1f s: %,.0f products/s%n",
        PUBLISHED, CONCURRENCY, publishSeconds, PUBLISHED / publishSeconds);

    String reader = token(keycloak, "usa-dia-reader");
    for (String pass :
        new String[] {"first read (every binding checked)", "second read (checks remembered)"}) {
      long searchStart = System.nanoTime();
      AtomicLong streaming = new AtomicLong();
      long received = searchAll(channel, reader, "bench.search", streaming);
      double searchSeconds = (System.nanoTime() - searchStart) / 1e9;
      System.out.printf(
          "search, %s: %,d products to one client in %.2f s: %,.0f products/s across pages; "
              + "%,.0f products/s while a page streams (first to last product of each page)%n",
          pass,
          received,
          searchSeconds,
          received / searchSeconds,
          received / (streaming.get() / 1e9));
    }

    long rawStart = System.nanoTime();
    long rawReceived = searchAllUnparsed(channel, reader, "bench.search");
    double rawSeconds = (System.nanoTime() - rawStart) / 1e9;
    System.out.printf(
        "search, a client that keeps each product's bytes without parsing them: %,d products in %.2f s: %,.0f products/s%n",
        rawReceived, rawSeconds, rawReceived / rawSeconds);

    long[][] live =
        liveLatencies(
            channel, token(keycloak, "kor-jcs-publisher"), token(keycloak, "jpn-mod-reader"));
    long[] latencies = live[0];
    long[] acks = live[1];
    long[] afterAck = live[2];
    Arrays.sort(latencies);
    Arrays.sort(acks);
    Arrays.sort(afterAck);
    System.out.printf(
        "live: %,d products, publish call start -> subscriber receipt: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        latencies.length,
        percentile(latencies, 50),
        percentile(latencies, 99),
        latencies[latencies.length - 1] / 1e6);
    System.out.printf(
        "live: of which the publish call itself (sign, commit with fsync, acknowledge): p50 %.2f ms, p99 %.2f ms%n",
        percentile(acks, 50), percentile(acks, 99));
    System.out.printf(
        "live: publisher's acknowledgement -> subscriber receipt (0 when the subscriber had it first): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        percentile(afterAck, 50), percentile(afterAck, 99), afterAck[afterAck.length - 1] / 1e6);
  }

  private static String token(LocalKeycloak keycloak, String clientId) {
    ClientCredentials.TokenResponse response =
        ClientCredentials.request(
            keycloak.tokenEndpoint(), clientId, keycloak.clientSecret(clientId));
    if (!response.granted()) {
      throw new IllegalStateException("no token for " + clientId + ": " + response.error());
    }
    return response.accessToken();
  }

  private static double percentile(long[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
  }
}
