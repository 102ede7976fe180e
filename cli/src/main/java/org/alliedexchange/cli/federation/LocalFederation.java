package org.alliedexchange.cli.federation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.exchange.ExchangeServiceApplication;
import org.alliedexchange.label.NationalKey;

/**
 * The whole federation on this machine, every part on 127.0.0.1: Redis (the audit stream, agreement
 * statuses, rate limits), Keycloak with the realm, one exchange service per nation of the
 * federation configuration (each with its own PostgreSQL and signing key), the audit service and
 * the gateway with the auditor console. Data lives under one directory and survives a restart;
 * {@link Builder#fresh} starts empty. {@link #close} stops everything it started, child processes
 * included, and a JVM exit (Ctrl-C) does the same; if this JVM is killed, a watchdog stops them
 * ({@link ChildProcesses}). The services run in this JVM ({@link Mode#ONE_JVM}, the default) or
 * each in its own ({@link Mode#SEPARATE_PROCESSES}).
 */
public final class LocalFederation implements AutoCloseable {

  /** Where the services run. */
  public enum Mode {
    /** Every service in the launcher's JVM, each in its own Spring context. */
    ONE_JVM("one-jvm"),
    /** Each exchange service, the audit service and the gateway in a JVM of its own. */
    SEPARATE_PROCESSES("separate-processes");

    private final String label;

    Mode(String label) {
      this.label = label;
    }

    /** As the state file and `allied status` name it. */
    public String label() {
      return label;
    }
  }

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
  private final List<AutoCloseable> services;
  private final ChildProcesses children;
  private final Map<String, Object> state;
  private final Thread shutdownHook;

  LocalFederation(
      Path dataDir,
      LocalRedis redis,
      LocalKeycloak keycloak,
      List<LocalPostgres> databases,
      Map<String, ExchangeServiceApplication.Running> exchanges,
      List<AutoCloseable> services,
      ChildProcesses children,
      Map<String, Object> state) {
    this.dataDir = dataDir;
    this.redis = redis;
    this.keycloak = keycloak;
    this.databases = databases;
    this.exchanges = exchanges;
    this.services = services;
    this.children = children;
    this.state = state;
    this.shutdownHook = new Thread(this::stopAll, "allied-federation-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static Builder builder() {
    return new Builder();
  }

  public URI gateway() {
    return URI.create((String) state.get("gateway"));
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

  /**
   * A nation's running exchange service, e.g. to see when a live subscription has reached it; null
   * when the services run as separate processes.
   */
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
    FederationShutdown.stopAll(dataDir, redis, keycloak, databases, services, children);
  }

  public static final class Builder {
    private Path dataDir = defaultDataDir();
    private boolean fresh;
    private int gatewayPort = 8443;
    private int keycloakPort = 8180;
    private Mode mode = Mode.ONE_JVM;
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

    /** Where the services run: in this JVM (the default) or each in its own. */
    public Builder mode(Mode mode) {
      this.mode = mode;
      return this;
    }

    public Builder progress(Consumer<String> progress) {
      this.progress = progress;
      return this;
    }

    public LocalFederation start() {
      long started = System.nanoTime();
      try {
        return new FederationStartup(dataDir, fresh, gatewayPort, keycloakPort, mode, progress)
            .startAll(started);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
