package org.alliedexchange.cli.federation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.alliedexchange.audit.AuditServiceApplication;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.exchange.ExchangeServiceApplication;
import org.alliedexchange.gateway.GatewayApplication;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.NationalScheme;

/**
 * The whole federation on this machine, every part on 127.0.0.1: Redis (the audit stream, agreement
 * statuses, rate limits), Keycloak with the realm, one exchange service per nation of the
 * federation configuration (each with its own PostgreSQL and signing key), the audit service and
 * the gateway with the auditor console. Data lives under one directory and survives a restart;
 * {@link Builder#fresh} starts empty. {@link #close} stops everything it started, child processes
 * included, and a JVM exit (Ctrl-C) does the same.
 */
public final class LocalFederation implements AutoCloseable {

  /** Where the federation keeps its data when no directory is named. */
  public static Path defaultDataDir() {
    String configured = System.getenv("ALLIED_DATA_DIR");
    return configured != null && !configured.isBlank()
        ? Path.of(configured)
        : Path.of(
            System.getProperty("user.home"), ".local", "share", "allied-exchange", "federation");
  }

  /** The file, in the data directory, that says what runs where while the federation runs. */
  public static Path stateFile(Path dataDir) {
    return StateFile.of(dataDir);
  }

  private final Path dataDir;
  private final LocalRedis redis;
  private final LocalKeycloak keycloak;
  private final List<LocalPostgres> databases;
  private final Map<String, ExchangeServiceApplication.Running> exchanges;
  private final AuditServiceApplication.Running audit;
  private final GatewayApplication.Running gateway;
  private final Map<String, Object> state;
  private final Thread shutdownHook;

  private LocalFederation(
      Path dataDir,
      LocalRedis redis,
      LocalKeycloak keycloak,
      List<LocalPostgres> databases,
      Map<String, ExchangeServiceApplication.Running> exchanges,
      AuditServiceApplication.Running audit,
      GatewayApplication.Running gateway,
      Map<String, Object> state) {
    this.dataDir = dataDir;
    this.redis = redis;
    this.keycloak = keycloak;
    this.databases = databases;
    this.exchanges = exchanges;
    this.audit = audit;
    this.gateway = gateway;
    this.state = state;
    this.shutdownHook = new Thread(this::stopAll, "allied-federation-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static Builder builder() {
    return new Builder();
  }

  public URI gateway() {
    return URI.create("http://127.0.0.1:" + gateway.port());
  }

  public URI console() {
    return URI.create(gateway() + "/console/");
  }

  public LocalKeycloak keycloak() {
    return keycloak;
  }

  public LocalRedis redis() {
    return redis;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** A nation's running exchange service, e.g. to see when a live subscription has reached it. */
  public ExchangeServiceApplication.Running exchange(String nation) {
    return exchanges.get(nation);
  }

  /** The audit service's public key file, for verifying exports. */
  public Path checkpointKey() {
    return NationalKey.publicKeyFile(dataDir.resolve("audit").resolve("checkpoint-key.pem"));
  }

  /**
   * What {@link #stateFile} holds: addresses, sample systems' client ids and secrets, people's
   * logins.
   */
  public Map<String, Object> state() {
    return state;
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException exiting) {
      // the JVM is exiting: the hook is running this
    }
    stopAll();
  }

  private synchronized void stopAll() {
    closeQuietly(gateway);
    closeQuietly(audit);
    exchanges.values().forEach(LocalFederation::closeQuietly);
    databases.forEach(LocalFederation::closeQuietly);
    closeQuietly(keycloak);
    closeQuietly(redis);
    try {
      Files.deleteIfExists(stateFile(dataDir));
    } catch (IOException ignored) {
      // a stale state file names a pid that no longer runs; `status` says so
    }
  }

  private static void closeQuietly(AutoCloseable part) {
    try {
      if (part != null) {
        part.close();
      }
    } catch (Exception ignored) {
      // stopping: the other parts must still be stopped
    }
  }

  public static final class Builder {
    private Path dataDir = defaultDataDir();
    private boolean fresh;
    private int gatewayPort = 8443;
    private int keycloakPort = 8180;
    private Consumer<String> progress = line -> {};

    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** Starts empty: the data directory's previous contents are removed first. */
    public Builder fresh(boolean fresh) {
      this.fresh = fresh;
      return this;
    }

    /**
     * The gateway's port (8443); fixed, because the realm's console client is registered for it.
     */
    public Builder gatewayPort(int gatewayPort) {
      this.gatewayPort = gatewayPort;
      return this;
    }

    /** Keycloak's port (8180); fixed, because tokens name their issuer by it. */
    public Builder keycloakPort(int keycloakPort) {
      this.keycloakPort = keycloakPort;
      return this;
    }

    public Builder progress(Consumer<String> progress) {
      this.progress = progress;
      return this;
    }

    public LocalFederation start() {
      long started = System.nanoTime();
      try {
        return startAll(started);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private LocalFederation startAll(long started) throws IOException {
      requireFree(gatewayPort, "the gateway", "--gateway-port");
      requireFree(keycloakPort, "Keycloak", "--keycloak-port");
      if (fresh && Files.exists(dataDir)) {
        progress.accept("removing the previous data in " + dataDir + " (--fresh)");
        try (Stream<Path> paths = Files.walk(dataDir)) {
          for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(path);
          }
        }
      }
      Files.createDirectories(dataDir);
      progress.accept("data directory: " + dataDir);
      LocalRedis redis = null;
      LocalKeycloak keycloak = null;
      List<LocalPostgres> databases = new ArrayList<>();
      Map<String, ExchangeServiceApplication.Running> exchanges = new LinkedHashMap<>();
      AuditServiceApplication.Running audit = null;
      GatewayApplication.Running gateway = null;
      CompletableFuture<LocalKeycloak> keycloakStart = null;
      try {
        redis = LocalRedis.start(dataDir.resolve("redis"));
        progress.accept("redis: " + redis.url() + " (append-only, fsync on every write)");
        URI redisUrl = redis.url();
        String gatewayUrl = "http://127.0.0.1:" + gatewayPort;
        // Keycloak takes longest; the services need only its issuer's name to start, so they start
        // meanwhile
        keycloakStart =
            CompletableFuture.supplyAsync(
                () ->
                    LocalKeycloak.builder()
                        .dataDir(dataDir.resolve("keycloak"))
                        .port(keycloakPort)
                        .auditRedis(redisUrl)
                        .consoleUrl(gatewayUrl)
                        .progress(progress)
                        .start());
        URI issuer =
            URI.create("http://127.0.0.1:" + keycloakPort + "/realms/" + LocalKeycloak.REALM);
        URI jwks = URI.create(issuer + "/protocol/openid-connect/certs");
        List<String> nations =
            FederationConfig.loadDefault().nations().stream().map(NationalScheme::code).toList();
        for (String nation : nations) {
          // each service's PostgreSQL in the service's own directory, as before the services
          // stopped starting their own
          Path exchangeDir = dataDir.resolve("exchange-" + nation.toLowerCase());
          LocalPostgres database = LocalPostgres.start(exchangeDir.resolve("postgres"));
          databases.add(database);
          Map<String, Object> properties =
              ExchangeServiceApplication.localProperties(
                  nation, exchangeDir, database.url(), redisUrl, issuer, jwks);
          exchanges.put(nation, ExchangeServiceApplication.start(quiet(properties), null));
          progress.accept(
              "exchange service " + nation + ": 127.0.0.1:" + exchanges.get(nation).port());
        }
        LocalPostgres auditDatabase =
            LocalPostgres.start(dataDir.resolve("audit").resolve("postgres"));
        databases.add(auditDatabase);
        Map<String, Object> auditProperties =
            AuditServiceApplication.localProperties(
                dataDir.resolve("audit"), auditDatabase.url(), redisUrl, issuer, jwks);
        audit = AuditServiceApplication.start(quiet(auditProperties));
        progress.accept(
            "audit service: 127.0.0.1:"
                + audit.port()
                + " (console page on "
                + audit.consolePort()
                + ")");
        Map<String, Object> gatewayProperties =
            GatewayApplication.localProperties(gatewayPort, issuer, jwks, redisUrl);
        exchanges.forEach(
            (nation, running) ->
                GatewayApplication.addNation(
                    gatewayProperties,
                    nation,
                    URI.create("http://127.0.0.1:" + running.port()),
                    dataDir
                        .resolve("exchange-" + nation.toLowerCase())
                        .resolve("signing-key.pub.pem")));
        GatewayApplication.addAuditService(
            gatewayProperties,
            URI.create("http://127.0.0.1:" + audit.port()),
            URI.create("http://127.0.0.1:" + audit.consolePort()));
        gateway = GatewayApplication.start(quiet(gatewayProperties));
        progress.accept("gateway: " + gatewayUrl);
        progress.accept("waiting for Keycloak...");
        keycloak = keycloakStart.get();
        Map<String, Object> state =
            StateFile.describe(dataDir, keycloak, exchanges, audit, gatewayUrl, redisUrl);
        StateFile.write(dataDir, state);
        progress.accept(
            String.format("federation up in %.1f s", (System.nanoTime() - started) / 1e9));
        return new LocalFederation(
            dataDir, redis, keycloak, databases, exchanges, audit, gateway, state);
      } catch (RuntimeException | IOException | InterruptedException | ExecutionException e) {
        // what started is stopped: a failed start leaves no process behind
        closeQuietly(gateway);
        closeQuietly(audit);
        exchanges.values().forEach(LocalFederation::closeQuietly);
        databases.forEach(LocalFederation::closeQuietly);
        if (keycloak == null && keycloakStart != null) {
          try {
            keycloak = keycloakStart.get();
          } catch (InterruptedException | ExecutionException ignored) {
            // it failed too
          }
        }
        closeQuietly(keycloak);
        closeQuietly(redis);
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        Throwable cause =
            e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        throw new IllegalStateException(
            "the federation did not start: " + cause.getMessage(), cause);
      }
    }

    /**
     * A service as the federation runs it: warnings only on the console, and no shutdown hook of
     * its own, so one shutdown stops everything in order (gateway, audit, exchanges, their
     * databases, Keycloak, Redis) instead of one hook per service racing the others.
     */
    private static Map<String, Object> quiet(Map<String, Object> properties) {
      properties.put("logging.level.root", "WARN");
      properties.put("spring.main.register-shutdown-hook", "false");
      return properties;
    }

    private static void requireFree(int port, String what, String option) {
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        socket.setReuseAddress(true);
      } catch (IOException e) {
        throw new IllegalStateException(
            "port "
                + port
                + " for "
                + what
                + " is taken: is a federation already running"
                + " (`./allied status`)? Stop it, or choose another port with "
                + option);
      }
    }
  }
}
