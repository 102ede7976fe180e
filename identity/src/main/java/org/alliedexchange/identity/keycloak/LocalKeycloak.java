package org.alliedexchange.identity.keycloak;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A real Keycloak, started as a local process from the distribution on Maven Central, with the
 * {@value #REALM} realm imported: used by the local federation run and by every test that needs Keycloak.
 *
 * <ul>
 *   <li>The distribution comes through Maven (from the local repository, else {@code mvnw dependency:get}),
 *       is unpacked once per version and built ("augmented") once per version and audit-listener jar,
 *       under {@code ~/.cache/allied-exchange/keycloak} (or {@code ALLIED_CACHE_DIR}).
 *   <li>It listens on 127.0.0.1 only, on a free or given port; its database (H2) lives in a data directory
 *       of its own, a temporary one unless given.
 *   <li>The realm file holds no secret: every {@code ${ALLIED_...}} placeholder is filled from the
 *       environment of the Keycloak process with values generated here (or kept in the data directory
 *       from an earlier start with the same data).
 *   <li>It shows progress while it works and stops with all its children when closed or when this JVM
 *       exits, Ctrl-C included.
 * </ul>
 */
public final class LocalKeycloak implements AutoCloseable {

  public static final String REALM = "allied";
  /** The audience every access token of the realm carries. */
  public static final String GATEWAY_AUDIENCE = "allied-gateway";
  static final String REALM_RESOURCE = "/org/alliedexchange/identity/realm/allied-realm.json";
  static final String LISTENER_RESOURCE = "/org/alliedexchange/identity/keycloak/allied-audit-listener.jar";
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(ALLIED_[A-Z0-9_]+)}");
  private static final List<String> BUILD_OPTIONS = List.of("--db=dev-file");
  /**
   * Local caches: `cache` is a run-time option (a build ignores it), and without it Keycloak forms a
   * JGroups cluster, listening on every interface (7800, 57800) and holding the first logins while it
   * settles. One local Keycloak is one node, on loopback only.
   */
  private static final String LOCAL_CACHE = "--cache=local";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Process process;
  private final URI url;
  private final String adminUsername;
  private final String adminPassword;
  private final Map<String, String> placeholders;
  private final Path dataDir;
  private final boolean deleteDataDir;
  private final Thread shutdownHook;
  private final Consumer<String> progress;

  private LocalKeycloak(Process process, URI url, String adminUsername, String adminPassword, Map<String, String> placeholders,
      Path dataDir, boolean deleteDataDir, Consumer<String> progress) {
    this.process = process;
    this.url = url;
    this.adminUsername = adminUsername;
    this.adminPassword = adminPassword;
    this.placeholders = Collections.unmodifiableMap(new TreeMap<>(placeholders));
    this.dataDir = dataDir;
    this.deleteDataDir = deleteDataDir;
    this.progress = progress;
    this.shutdownHook = new Thread(this::stopProcess, "local-keycloak-stop");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The Keycloak version this build was made against (the root pom's {@code keycloak.version}). */
  public static String defaultVersion() {
    try (InputStream in = LocalKeycloak.class.getResourceAsStream("keycloak.properties")) {
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("keycloak.version");
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("keycloak.properties is missing from the identity jar", e);
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
    return adminUsername;
  }

  public String adminPassword() {
    return adminPassword;
  }

  /** The secret of a sample national system of the realm file, e.g. "kor-jcs-publisher". */
  public String clientSecret(String clientId) {
    return required("ALLIED_SECRET_" + envName(clientId));
  }

  /** The password of a sample person of the realm file, e.g. "kor-auditor". */
  public String password(String username) {
    return required("ALLIED_PASSWORD_" + envName(username));
  }

  /** Every value given to the realm file's placeholders, by placeholder name. */
  public Map<String, String> placeholders() {
    return placeholders;
  }

  public Path dataDir() {
    return dataDir;
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

  static String envName(String name) {
    return name.toUpperCase(java.util.Locale.ROOT).replace('-', '_').replace('.', '_');
  }

  /** Stops Keycloak and every process it started, and removes a temporary data directory. */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or has run
    }
    stopProcess();
    if (deleteDataDir) {
      deleteRecursively(dataDir);
    }
  }

  private void stopProcess() {
    if (!process.isAlive()) {
      return;
    }
    List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
    family.forEach(ProcessHandle::destroy);
    process.destroy();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (ProcessHandle handle : concat(family, process.toHandle())) {
      long left = deadline - System.nanoTime();
      try {
        handle.onExit().get(Math.max(left, 0), java.util.concurrent.TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        handle.destroyForcibly();
      }
    }
    progress.accept("keycloak: stopped");
  }

  private static List<ProcessHandle> concat(List<ProcessHandle> family, ProcessHandle root) {
    List<ProcessHandle> all = new ArrayList<>(family);
    all.add(root);
    return all;
  }

  /** How to start one. */
  public static final class Builder {
    private String version = defaultVersion();
    private int port;
    private Path cacheDir = defaultCacheDir();
    private Path dataDir;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Consumer<String> progress = message -> System.err.println(message);
    private Duration startTimeout = Duration.ofMinutes(3);
    private String consoleUrl = "http://127.0.0.1:8080";

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

    /** Where the database, log and generated secrets go; a temporary directory, deleted on close, if unset. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** The audit stream's Redis, for the realm's audit listener (without it, identity changes are refused). */
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

    public Builder startTimeout(Duration startTimeout) {
      this.startTimeout = startTimeout;
      return this;
    }

    public LocalKeycloak start() {
      long started = System.nanoTime();
      try {
        Path home = prepareDistribution();
        boolean temporary = dataDir == null;
        Path data = temporary ? Files.createTempDirectory("allied-keycloak-") : Files.createDirectories(dataDir);
        String realm = readRealm();
        Map<String, String> values = placeholderValues(realm, data);
        Files.createDirectories(home.resolve("data/import"));
        Files.writeString(home.resolve("data/import/" + REALM + "-realm.json"), realm, StandardCharsets.UTF_8);

        int chosenPort = port == 0 ? freePort() : port;
        URI url = URI.create("http://127.0.0.1:" + chosenPort);
        List<String> command = List.of(home.resolve("bin/kc.sh").toString(), "start", "--optimized", LOCAL_CACHE,
            "--http-enabled=true", "--http-host=127.0.0.1", "--http-port=" + chosenPort,
            "--hostname-strict=false", "--import-realm",
            "--db-url=jdbc:h2:file:" + data.resolve("keycloakdb").toAbsolutePath() + ";NON_KEYWORDS=VALUE");
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("keycloak.log").toFile()));
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", values.get("ADMIN_USERNAME"));
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", values.get("ADMIN_PASSWORD"));
        values.forEach((name, value) -> {
          if (name.startsWith("ALLIED_")) {
            env.put(name, value);
          }
        });
        env.putAll(environment);

        progress.accept("keycloak: starting " + version + " on " + url + " (log: " + data.resolve("keycloak.log") + ")");
        Process process = builder.start();
        Map<String, String> realmValues = new LinkedHashMap<>(values);
        realmValues.remove("ADMIN_USERNAME");
        realmValues.remove("ADMIN_PASSWORD");
        LocalKeycloak keycloak = new LocalKeycloak(process, url, values.get("ADMIN_USERNAME"), values.get("ADMIN_PASSWORD"),
            realmValues, data, temporary, progress);
        Runtime.getRuntime().addShutdownHook(keycloak.shutdownHook);
        try {
          awaitReady(keycloak, process);
        } catch (RuntimeException e) {
          keycloak.close();
          throw e;
        }
        progress.accept(String.format("keycloak: ready at %s in %.1f s", url, (System.nanoTime() - started) / 1e9));
        return keycloak;
      } catch (IOException e) {
        throw new UncheckedIOException("could not start Keycloak: " + e.getMessage(), e);
      }
    }

    private void awaitReady(LocalKeycloak keycloak, Process process) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpRequest probe = HttpRequest.newBuilder(URI.create(keycloak.issuer() + "/.well-known/openid-configuration"))
          .timeout(Duration.ofSeconds(5)).build();
      long deadline = System.nanoTime() + startTimeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException("Keycloak exited with code " + process.exitValue() + " before it was ready; "
              + "the end of its log (" + keycloak.logFile() + "):\n" + tail(keycloak.logFile(), 30));
        }
        try {
          if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return;
          }
        } catch (IOException notYet) {
          // not listening yet
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for Keycloak", e);
        }
        sleep(250);
      }
      throw new IllegalStateException("Keycloak was not ready within " + startTimeout.toSeconds() + " s; the end of its log ("
          + keycloak.logFile() + "):\n" + tail(keycloak.logFile(), 30));
    }

    /** The unpacked distribution, built with this project's audit listener. Locked against parallel runs. */
    private Path prepareDistribution() throws IOException {
      Path versionDir = cacheDir.resolve(version);
      Files.createDirectories(versionDir);
      try (FileChannel lockFile = FileChannel.open(versionDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
           FileLock lock = lockFile.lock()) {
        Path home = versionDir.resolve("keycloak");
        if (!Files.exists(versionDir.resolve(".unpacked"))) {
          Path zip = distributionZip();
          progress.accept("keycloak: unpacking " + zip.getFileName() + " into " + versionDir);
          deleteRecursively(home);
          unzip(zip, versionDir.resolve("unpacking"), home);
          Files.writeString(versionDir.resolve(".unpacked"), version);
        }
        byte[] listener = listenerJar();
        String buildKey = sha256(listener, String.join(" ", BUILD_OPTIONS).getBytes(StandardCharsets.UTF_8));
        Path marker = versionDir.resolve(".built");
        if (!Files.exists(marker) || !Files.readString(marker).equals(buildKey)) {
          Files.createDirectories(home.resolve("providers"));
          Files.write(home.resolve("providers/allied-audit-listener.jar"), listener);
          progress.accept("keycloak: building " + version + " with the audit listener (once per version and listener; about 20 s)");
          List<String> command = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "build"));
          command.addAll(BUILD_OPTIONS);
          Path log = versionDir.resolve("build.log");
          ProcessBuilder build = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
              .redirectOutput(log.toFile());
          build.environment().put("JAVA_HOME", System.getProperty("java.home"));
          int exit = waitFor(build.start());
          if (exit != 0) {
            throw new IllegalStateException("building Keycloak failed (exit " + exit + "); the end of " + log + ":\n" + tail(log, 30));
          }
          Files.writeString(marker, buildKey);
        }
        return home;
      }
    }

    /** The distribution zip in the local Maven repository, fetched through Maven when it is not there. */
    private Path distributionZip() throws IOException {
      Path zip = localRepository().resolve("org/keycloak/keycloak-quarkus-dist/" + version
          + "/keycloak-quarkus-dist-" + version + ".zip");
      if (Files.isRegularFile(zip)) {
        return zip;
      }
      progress.accept("keycloak: downloading keycloak-quarkus-dist " + version + " from Maven Central through Maven (about 170 MB)");
      List<String> command = new ArrayList<>(maven());
      command.addAll(List.of("-B", "-q", "-N", "dependency:get", "-Dtransitive=false",
          "-Dartifact=org.keycloak:keycloak-quarkus-dist:" + version + ":zip"));
      Path log = Files.createTempFile("allied-keycloak-download", ".log");
      ProcessBuilder fetch = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      fetch.directory(projectRoot() == null ? null : projectRoot().toFile());
      int exit = waitFor(fetch.start());
      if (exit != 0 || !Files.isRegularFile(zip)) {
        throw new IllegalStateException("could not fetch the Keycloak distribution through Maven (" + String.join(" ", command)
            + ", exit " + exit + "):\n" + tail(log, 20));
      }
      return zip;
    }

    private static Path localRepository() {
      String configured = System.getProperty("maven.repo.local");
      return configured != null && !configured.isBlank()
          ? Path.of(configured)
          : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** The project's Maven wrapper when we run inside the project, else a Maven on the PATH. */
    private static List<String> maven() {
      Path root = projectRoot();
      if (root != null && Files.isExecutable(root.resolve("mvnw"))) {
        return List.of(root.resolve("mvnw").toString());
      }
      return List.of("mvn");
    }

    private static Path projectRoot() {
      String home = System.getProperty("allied.home");
      if (home != null && Files.isDirectory(Path.of(home))) {
        return Path.of(home);
      }
      for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
        if (Files.isExecutable(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("identity"))) {
          return dir;
        }
      }
      return null;
    }

    private String readRealm() throws IOException {
      try (InputStream in = LocalKeycloak.class.getResourceAsStream(REALM_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("the realm file " + REALM_RESOURCE + " is missing from the identity jar");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }

    /**
     * A value for every placeholder of the realm file and for the bootstrap administrator: generated on
     * a fresh data directory and kept there (readable by its owner only), so a later start on the same
     * data knows the secrets its database holds.
     */
    private Map<String, String> placeholderValues(String realm, Path data) throws IOException {
      Path file = data.resolve("secrets.properties");
      Properties kept = new Properties();
      if (Files.exists(file)) {
        try (InputStream in = Files.newInputStream(file)) {
          kept.load(in);
        }
      }
      Map<String, String> values = new LinkedHashMap<>();
      values.put("ADMIN_USERNAME", kept.getProperty("ADMIN_USERNAME", "admin"));
      values.put("ADMIN_PASSWORD", kept.getProperty("ADMIN_PASSWORD", secret(24)));
      Matcher matcher = PLACEHOLDER.matcher(realm);
      while (matcher.find()) {
        String name = matcher.group(1);
        if (name.equals("ALLIED_CONSOLE_URL")) {
          values.put(name, consoleUrl);
        } else {
          values.putIfAbsent(name, kept.getProperty(name, secret(name.startsWith("ALLIED_PASSWORD_") ? 18 : 32)));
        }
      }
      Properties toKeep = new Properties();
      values.forEach(toKeep::setProperty);
      Path tmp = data.resolve("secrets.properties.tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (var out = Files.newOutputStream(tmp)) {
        toKeep.store(out, "generated by LocalKeycloak: secrets of this data directory's realm; do not share");
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return values;
    }
  }

  private static byte[] listenerJar() throws IOException {
    try (InputStream in = LocalKeycloak.class.getResourceAsStream(LISTENER_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the audit listener " + LISTENER_RESOURCE + " is missing from the identity jar");
      }
      return in.readAllBytes();
    }
  }

  static String secret(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  private static Path defaultCacheDir() {
    String configured = System.getenv("ALLIED_CACHE_DIR");
    Path base = configured != null && !configured.isBlank()
        ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".cache", "allied-exchange");
    return base.resolve("keycloak");
  }

  /** Unzips into {@code staging}, then moves the single top directory to {@code target}, keeping scripts executable. */
  private static void unzip(Path zip, Path staging, Path target) throws IOException {
    deleteRecursively(staging);
    Files.createDirectories(staging);
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        Path out = staging.resolve(entry.getName()).normalize();
        if (!out.startsWith(staging)) {
          throw new IOException("refusing zip entry outside the target: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(out);
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
          if (out.getFileName().toString().endsWith(".sh")) {
            out.toFile().setExecutable(true, false);
          }
        }
      }
    }
    try (var top = Files.list(staging)) {
      List<Path> entries = top.toList();
      if (entries.size() != 1 || !Files.isDirectory(entries.get(0))) {
        throw new IOException("unexpected layout in " + zip + ": " + entries);
      }
      Files.move(entries.get(0), target);
    }
    deleteRecursively(staging);
  }

  private static int waitFor(Process process) {
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static String sha256(byte[]... parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (byte[] part : parts) {
        digest.update(part);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static void deleteRecursively(Path path) {
    if (path == null || !Files.exists(path)) {
      return;
    }
    try (var walk = Files.walk(path)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory left behind is not worth failing a stop for
    }
  }
}
