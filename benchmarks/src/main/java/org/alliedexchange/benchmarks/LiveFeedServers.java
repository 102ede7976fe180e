package org.alliedexchange.benchmarks;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.client.TokenSource;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.exchange.ExchangeServiceApplication;
import org.alliedexchange.exchange.feed.LiveFeed;
import org.alliedexchange.gateway.GatewayApplication;
import org.alliedexchange.serviceruntime.GatewayOnlyTls;

/**
 * The servers of the live-feed runs, in this JVM as the federation runs them: a KOR exchange
 * service on its own PostgreSQL, a guarded gateway in front of it over mutual TLS, the audit stream
 * in Redis (fsync on every write), tokens from a real JWKS ({@link TestTokens}). Beside the
 * gateway, a channel straight to the exchange service presenting the gateway's certificate, for the
 * baseline.
 */
final class LiveFeedServers implements AutoCloseable {

  final Path dir;
  final LocalRedis redis;
  final TestTokens tokens;
  final LocalPostgres database;
  final ExchangeServiceApplication.Running kor;
  final GatewayApplication.Running gateway;
  final ManagedChannel direct;
  final LiveFeed feed;

  LiveFeedServers() throws Exception {
    dir = Files.createTempDirectory("allied-live-load-");
    FederationCertificates pki = FederationCertificates.openOrCreate(dir.resolve("pki"));
    redis = LocalRedis.start(dir.resolve("redis"));
    tokens = new TestTokens();
    database = LocalPostgres.start(dir.resolve("kor").resolve("postgres"));
    Map<String, Object> korProperties =
        ExchangeServiceApplication.localProperties(
            "KOR",
            dir.resolve("kor"),
            database.databaseUrl(),
            redis.url(LocalRedis.User.EXCHANGE, "KOR"),
            tokens.issuer,
            tokens.jwks());
    korProperties.putAll(database.serviceProperties("allied.exchange.database"));
    korProperties.put("logging.level.root", "WARN");
    FederationCertificates.Issued server =
        pki.issue("exchange-kor", FederationCertificates.Use.SERVER);
    ExchangeServiceApplication.addTls(
        korProperties, server.certificate(), server.privateKey(), server.authority());
    kor = ExchangeServiceApplication.start(korProperties, null);
    feed = kor.context().getBean(LiveFeed.class);

    Map<String, Object> properties =
        GatewayApplication.localProperties(
            0, tokens.issuer, tokens.jwks(), redis.url(LocalRedis.User.GATEWAY));
    FederationCertificates.Issued client =
        pki.issue("allied-gateway", FederationCertificates.Use.CLIENT);
    GatewayApplication.addBackendTls(
        properties, client.certificate(), client.privateKey(), client.authority());
    GatewayApplication.addNation(
        properties,
        "KOR",
        URI.create("https://127.0.0.1:" + kor.port()),
        dir.resolve("kor").resolve("signing-key.pub.pem"));
    properties.put("logging.level.root", "WARN");
    // the publisher's 20 calls/s and a thousand subscriptions are far below any limit; the load is
    // not what the rate limit is for
    properties.put("allied.gateway.rate-limit.calls-per-second", "100000");
    gateway = GatewayApplication.start(properties);

    direct =
        NettyChannelBuilder.forAddress("127.0.0.1", kor.port())
            .sslContext(
                GatewayOnlyTls.grpcClientContext(
                    client.certificate(), client.privateKey(), client.authority()))
            .maxInboundMessageSize(16 << 20)
            .build();
  }

  URI gatewayUri() {
    return URI.create("http://127.0.0.1:" + gateway.port());
  }

  /** KOR's publisher, cleared TOP SECRET, holding MISSILE_WARNING. */
  TokenSource publisher() {
    return minted(
        "kor-jcs-publisher",
        "KOR",
        "TOP_SECRET",
        List.of("MISSILE_WARNING"),
        List.of("exchange-publish", "exchange-read"));
  }

  /**
   * Subscriber {@code i}: a system of Japan's (even) or the United States' (odd), cleared SECRET,
   * holding MISSILE_WARNING; each its own system, as a thousand national systems would be.
   */
  TokenSource subscriber(int i) {
    String nation = i % 2 == 0 ? "JPN" : "USA";
    return minted(
        String.format("%s-live-%04d", nation.toLowerCase(), i),
        nation,
        "SECRET",
        List.of("MISSILE_WARNING"),
        List.of("exchange-read"));
  }

  /**
   * Tokens minted as Keycloak would issue them (5 minutes), a fresh one when less than a minute is
   * left or the gateway refused the last.
   */
  private TokenSource minted(
      String system,
      String nation,
      String clearance,
      List<String> communities,
      List<String> roles) {
    return new TokenSource() {
      private String token;
      private Instant renewAt = Instant.MIN;

      @Override
      public synchronized String token() {
        if (token == null || Instant.now().isAfter(renewAt)) {
          Instant now = Instant.now();
          token =
              tokens.sign(
                  tokens
                      .claims(system, nation, clearance, communities, roles)
                      .expirationTime(Date.from(now.plusSeconds(300)))
                      .build());
          renewAt = now.plusSeconds(240);
        }
        return token;
      }

      /**
       * As ClientCredentialsTokens does: a fresh token at once, a new one made elsewhere (here on
       * this benchmark's minting thread, as Keycloak would) while the call waits holding no thread.
       */
      @Override
      public CompletableFuture<String> tokenAsync(Executor forBlockingWork) {
        synchronized (this) {
          if (token != null && Instant.now().isBefore(renewAt)) {
            return CompletableFuture.completedFuture(token);
          }
        }
        return CompletableFuture.supplyAsync(this::token, MINTING);
      }

      @Override
      public synchronized void refresh() {
        token = null;
      }
    };
  }

  // the benchmark's stand-in for Keycloak's token endpoint: one thread signing tokens
  private static final ExecutorService MINTING =
      Executors.newSingleThreadExecutor(
          task -> {
            Thread thread = new Thread(task, "bench-token-minting");
            thread.setDaemon(true);
            return thread;
          });

  @Override
  public void close() throws Exception {
    direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
    kor.close();
    database.close();
    tokens.close();
    redis.close();
  }
}
