package org.alliedexchange.devservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A real Keycloak, started as a local process from the distribution on Maven Central, with the
 * {@value #REALM} realm imported: used by the local federation run and by every test that needs
 * Keycloak.
 *
 * <ul>
 *   <li>The distribution comes through Maven and is unpacked and built once per version and
 *       audit-listener jar ({@link KeycloakDistribution}).
 *   <li>It listens on 127.0.0.1 only, on a free or given port; its database (H2) lives in a data
 *       directory of its own, a temporary one unless given ({@link KeycloakProcess}).
 *   <li>The realm file holds no secret: every {@code ${ALLIED_...}} placeholder is filled from the
 *       environment of the Keycloak process with values generated here, or kept in the data
 *       directory from an earlier start with the same data ({@link RealmImport}, {@link
 *       BootstrapAdmin}).
 *   <li>Keycloak imports the realm file only into a new data directory; on a kept one the running
 *       realm is brought up to date with the file, additively: what it lacks (a client, a user, a
 *       role) is added, what it has stays as an administrator left it ({@link RealmUpdate}). If
 *       that fails, the start fails.
 *   <li>It shows progress while it works and stops with all its children when closed or when this
 *       JVM exits, Ctrl-C included.
 * </ul>
 */
public final class LocalKeycloak implements AutoCloseable {

  public static final String REALM = "allied";

  /** The audience every access token of the realm carries. */
  public static final String GATEWAY_AUDIENCE = "allied-gateway";

  private final KeycloakProcess process;
  private final URI url;
  private final BootstrapAdmin admin;
  private final Map<String, String> placeholders;
  private final Path dataDir;
  private final boolean deleteDataDir;

  private LocalKeycloak(
      KeycloakProcess process,
      URI url,
      RealmImport.Values values,
      Path dataDir,
      boolean deleteDataDir) {
    this.process = process;
    this.url = url;
    this.admin = values.admin();
    this.placeholders = Collections.unmodifiableMap(new TreeMap<>(values.placeholders()));
    this.dataDir = dataDir;
    this.deleteDataDir = deleteDataDir;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The Keycloak version this build was made against (the root pom's {@code keycloak.version}). */
  public static String defaultVersion() {
    return KeycloakDistribution.defaultVersion();
  }

  /**
   * The distribution of {@link #defaultVersion}, unpacked and built with the audit listener, as
   * {@link #start} runs it: for an image of it. Prepared once and kept in the cache directory.
   */
  public static Path builtDistribution(Consumer<String> progress) {
    try {
      return new KeycloakDistribution(
              defaultVersion(), KeycloakDistribution.defaultCacheDir(), progress)
          .prepare();
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare Keycloak: " + e.getMessage(), e);
    }
  }

  /** The server's base URL, e.g. http://127.0.0.1:38211. */
  public URI url() {
    return url;
  }

  /** The realm's issuer, the {@code iss} of its tokens. */
  public URI issuer() {
    return URI.create(url + "/realms/" + REALM);
  }

  /** The realm's token endpoint. */
  public URI tokenEndpoint() {
    return URI.create(issuer() + "/protocol/openid-connect/token");
  }

  /** The master realm's bootstrap administrator. */
  public String adminUsername() {
    return admin.username();
  }

  public String adminPassword() {
    return admin.password();
  }

  /** The secret of a sample national system of the realm file, e.g. "kor-jcs-publisher". */
  public String clientSecret(String clientId) {
    return required("ALLIED_SECRET_" + RealmImport.envName(clientId));
  }

  /** The password of a sample person of the realm file, e.g. "kor-auditor". */
  public String password(String username) {
    return required("ALLIED_PASSWORD_" + RealmImport.envName(username));
  }

  /** Every value given to the realm file's placeholders, by placeholder name. */
  public Map<String, String> placeholders() {
    return placeholders;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The Keycloak server's process id. */
  public long pid() {
    return process.pid();
  }

  /** Keycloak's own log. */
  public Path logFile() {
    return dataDir.resolve("keycloak.log");
  }

  private String required(String name) {
    String value = placeholders.get(name);
    if (value == null) {
      throw new IllegalArgumentException("the realm file has no placeholder " + name);
    }
    return value;
  }

  /** Stops Keycloak and every process it started, and removes a temporary data directory. */
  @Override
  public void close() {
    process.close();
    if (deleteDataDir) {
      KeycloakDistribution.deleteRecursively(dataDir);
    }
  }

  /** How to start one. */
  public static final class Builder {
    private String version = KeycloakDistribution.defaultVersion();
    private int port;
    private Path cacheDir = KeycloakDistribution.defaultCacheDir();
    private Path dataDir;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Consumer<String> progress = message -> System.err.println(message);
    private Duration startTimeout = Duration.ofMinutes(3);
    private String consoleUrl = "http://127.0.0.1:8080";
    private java.util.function.LongConsumer onStarted = pid -> {};
    private Path realmFile;

    private Builder() {}

    public Builder version(String version) {
      this.version = version;
      return this;
    }

    /** The HTTP port; 0 (the default) for a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Where unpacked and built distributions are kept between runs. */
    public Builder cacheDir(Path cacheDir) {
      this.cacheDir = cacheDir;
      return this;
    }

    /**
     * Where the database, log and generated secrets go; a temporary directory, deleted on close, if
     * unset.
     */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /**
     * The audit stream's Redis, for the realm's audit listener (without it, identity changes are
     * refused): the listener's own ACL user's URL ({@code LocalRedis.url(User.IDENTITY_LISTENER)}),
     * passed in the process's environment, which only this OS user can read, never on its command
     * line.
     */
    public Builder auditRedis(URI redisUrl) {
      environment.put("ALLIED_AUDIT_REDIS_URL", redisUrl.toString());
      return this;
    }

    /** Where the auditor console will be served, for its redirect URIs. */
    public Builder consoleUrl(String consoleUrl) {
      this.consoleUrl = consoleUrl;
      return this;
    }

    /** One more environment variable for the Keycloak process. */
    public Builder environment(String name, String value) {
      environment.put(name, value);
      return this;
    }

    /** Where progress lines go; stderr by default. */
    public Builder progress(Consumer<String> progress) {
      this.progress = progress;
      return this;
    }

    /**
     * Told the server's process id as soon as it is started, before it is ready: a supervisor
     * records it, so a launcher killed while Keycloak boots leaves nothing it cannot find.
     */
    public Builder onProcessStarted(java.util.function.LongConsumer started) {
      this.onStarted = started;
      return this;
    }

    public Builder startTimeout(Duration startTimeout) {
      this.startTimeout = startTimeout;
      return this;
    }

    /** Another realm file than the one in this jar: for this package's tests only. */
    Builder realmFile(Path realmFile) {
      this.realmFile = realmFile;
      return this;
    }

    public LocalKeycloak start() {
      long started = System.nanoTime();
      try {
        Path home = new KeycloakDistribution(version, cacheDir, progress).prepare();
        boolean temporary = dataDir == null;
        Path data =
            temporary
                ? Files.createTempDirectory("allied-keycloak-")
                : Files.createDirectories(dataDir);
        // Keycloak imports the realm file only into a new database; a kept one is brought up to
        // date
        boolean keptRealm = Files.exists(data.resolve(KeycloakProcess.DATABASE + ".mv.db"));
        RealmImport.Values values = RealmImport.prepare(home, data, consoleUrl, realmFile);
        int chosenPort = port == 0 ? KeycloakProcess.freePort() : port;
        URI url = URI.create("http://127.0.0.1:" + chosenPort);
        Map<String, String> env = new LinkedHashMap<>();
        values.admin().passTo(env);
        env.putAll(values.placeholders());
        env.putAll(environment);

        progress.accept(
            "keycloak: starting "
                + version
                + " on "
                + url
                + " (log: "
                + data.resolve("keycloak.log")
                + ")");
        KeycloakProcess process = KeycloakProcess.start(home, data, chosenPort, env, progress);
        LocalKeycloak keycloak = new LocalKeycloak(process, url, values, data, temporary);
        try {
          onStarted.accept(process.pid());
          process.awaitReady(
              URI.create(keycloak.issuer() + "/.well-known/openid-configuration"), startTimeout);
          if (keptRealm) {
            bringUpToDate(url, values, data);
          } else {
            // imported just now: the realm has had everything the file names
            RealmUpdate.recordApplied(data, values.filledRealm());
          }
        } catch (RuntimeException e) {
          keycloak.close();
          throw e;
        }
        progress.accept(
            String.format(
                "keycloak: ready at %s in %.1f s", url, (System.nanoTime() - started) / 1e9));
        return keycloak;
      } catch (IOException e) {
        throw new UncheckedIOException("could not start Keycloak: " + e.getMessage(), e);
      }
    }

    private void bringUpToDate(URI url, RealmImport.Values values, Path data) {
      long started = System.nanoTime();
      RealmUpdate.Added added =
          new RealmUpdate(url, REALM, values.admin(), data, values.placeholders().values())
              .addMissing(values.filledRealm());
      if (!added.nothing()) {
        progress.accept(
            String.format(
                "keycloak: realm brought up to date with the realm file in %.1f s: added %s",
                (System.nanoTime() - started) / 1e9, added.describe()));
      }
    }
  }
}
