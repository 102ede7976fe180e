package org.alliedexchange.devservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * A Redis server for the local run and the tests: the machine's {@code redis-server} when it has
 * one, else the binary from Maven Central (embedded-redis). Bound to 127.0.0.1. The stream is kept
 * durably: append-only file with fsync on every write, so an entry Redis acknowledged survives a
 * crash. For the audit's replicated mode ({@code AuditDurability}), {@link
 * #startWithFsyncEverySecond} starts a primary that fsyncs once a second and {@link #startReplica}
 * a replica of it, which the writers {@code WAIT} for instead. Every component has its own ACL user
 * with a password generated at each start ({@link User}); the ACL file in the data directory holds
 * only the passwords' hashes.
 */
public final class LocalRedis implements AutoCloseable {

  /**
   * The federation's Redis users, one per component, each allowed only the keys and commands its
   * code uses (Redis 6.2 ACLs: a user's commands apply to all its keys). The {@code default} user
   * is off, so a process without a password can do nothing.
   */
  public enum User {
    /**
     * Appends its decisions to the gateways' audit stream ({@code allied:audit}, nothing under it),
     * reads agreement statuses and changes them (the admin API), leases rate limits, reads
     * identity-change notices and shares the newest binding versions. Never reads the stream as the
     * audit service, trims or deletes, and cannot write another writer's audit stream.
     */
    GATEWAY(
        "gateway",
        "~allied:audit ~allied:agreements ~allied:agreements:version ~allied:rate:*"
            + " ~allied:identity-changes ~allied:product-versions -@all +xadd +xrange +get +hget"
            + " +hgetall +hset +incr +incrby +pexpire +eval +evalsha +ping +wait"),
    /**
     * One nation's exchange service ({@link #url(User, String)}): appends to its own audit stream
     * ({@code allied:audit:exchange:<NATION>}) and reads agreement statuses; nothing else.
     */
    EXCHANGE(
        "exchange",
        "~allied:audit:exchange:"
            + NATION
            + " ~allied:agreements ~allied:agreements:version"
            + " -@all +xadd +get +hgetall +ping +wait"),
    /**
     * One nation's hotline node ({@link #url(User, String)}): appends to its own audit stream
     * ({@code allied:audit:hotline:<NATION>}) and reads agreement statuses; nothing else.
     */
    HOTLINE(
        "hotline",
        "~allied:audit:hotline:"
            + NATION
            + " ~allied:agreements ~allied:agreements:version"
            + " -@all +xadd +get +hgetall +ping +wait"),
    /**
     * Reads every writer's audit stream as its consumer group and copies dead letters to {@code
     * allied:audit:dead}.
     */
    AUDIT(
        "audit",
        "~allied:audit ~allied:audit:* -@all +xgroup|create +xreadgroup +xautoclaim +xack +xadd"
            + " +ping"),
    /**
     * Keycloak's listener: appends identity changes to its own audit stream ({@code
     * allied:audit:identity}) and the notices.
     */
    IDENTITY_LISTENER(
        "identity-listener", "~allied:audit:identity ~allied:identity-changes -@all +xadd +ping"),
    /**
     * A replica copying the primary: the replication handshake and stream only, no key of its own.
     */
    REPLICA("replica", "-@all +psync +replconf +ping"),
    /** A person troubleshooting, and the tests that read what the components wrote: everything. */
    OPERATOR("operator", "~* &* +@all");

    private final String username;
    private final String rules;

    User(String username, String rules) {
      this.username = username;
      this.rules = rules;
    }

    /** Whether there is one such user per nation ({@link #url(User, String)}). */
    public boolean national() {
      return rules.contains(NATION);
    }

    /** The user's name; for a {@linkplain #national() national} user, e.g. "exchange-kor". */
    public String username(String nation) {
      return national()
          ? username + "-" + requireNation(nation).toLowerCase(Locale.ROOT)
          : username;
    }

    /** The user's name; only for a user that is not {@linkplain #national() national}. */
    public String username() {
      requireNotNational(this);
      return username;
    }

    /**
     * The user's keys and commands, as an ACL rule list (for docs/SECURITY.md and the ACL file); a
     * {@linkplain #national() national} user's name its own nation's keys only.
     */
    public String rules(String nation) {
      return national() ? rules.replace(NATION, requireNation(nation)) : rules;
    }

    /** The rules of a user that is not {@linkplain #national() national}. */
    public String rules() {
      requireNotNational(this);
      return rules;
    }
  }

  /**
   * The nations that get an exchange and a hotline user: the default federation's, which {@code
   * ./allied up} runs.
   */
  public static final List<String> NATIONS = List.of("KOR", "JPN", "USA");

  // stands for the nation in a national user's rules
  private static final String NATION = "{NATION}";

  private static String requireNation(String nation) {
    if (nation == null || !nation.matches("[A-Z]{3}")) {
      throw new IllegalArgumentException(
          "a nation is ISO 3166-1 alpha-3 in upper case, not " + nation);
    }
    return nation;
  }

  private static void requireNotNational(User user) {
    if (user.national()) {
      throw new IllegalArgumentException(
          "there is one " + user.name() + " user per nation: name the nation");
    }
  }

  /**
   * Every user of this Redis, by name: the fixed ones, and the national ones of {@link #NATIONS}.
   */
  private static Map<String, Account> newAccounts() {
    Map<String, Account> accounts = new java.util.LinkedHashMap<>();
    for (User user : User.values()) {
      List<String> nations = user.national() ? NATIONS : java.util.Collections.singletonList(null);
      for (String nation : nations) {
        accounts.put(
            user.username(nation),
            new Account(user.username(nation), user.rules(nation), newPassword()));
      }
    }
    return java.util.Collections.unmodifiableMap(accounts);
  }

  private record Account(String username, String rules, String password) {}

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final System.Logger LOG = System.getLogger(LocalRedis.class.getName());

  private volatile RedisServer server;
  private final int port;
  private final Path dataDir;
  private final Map<String, Account> passwords;
  private final FederationCertificates.Issued tls;
  private final String appendFsync;
  private final Integer primaryPort;

  private LocalRedis(
      RedisServer server,
      int port,
      Path dataDir,
      Map<String, Account> passwords,
      FederationCertificates.Issued tls,
      String appendFsync,
      Integer primaryPort) {
    this.server = server;
    this.port = port;
    this.dataDir = dataDir;
    this.passwords = passwords;
    this.tls = tls;
    this.appendFsync = appendFsync;
    this.primaryPort = primaryPort;
  }

  /** Starts one on a free port with its data in {@code dataDir} (created if missing). */
  public static LocalRedis start(Path dataDir) {
    return start(dataDir, freePort());
  }

  /** Starts one on {@code port} (0 for a free one) with its data in {@code dataDir}. */
  public static LocalRedis start(Path dataDir, int port) {
    return start(dataDir, port, null);
  }

  /**
   * Starts one on {@code port} (0 for a free one) with its data in {@code dataDir}; with {@code
   * tls}, a server certificate, it listens only over TLS (its {@link #url}s are rediss:// and trust
   * the certificate's authority).
   */
  public static LocalRedis start(Path dataDir, int port, FederationCertificates.Issued tls) {
    int chosen = port == 0 ? freePort() : port;
    Map<String, Account> passwords = newAccounts();
    return new LocalRedis(
        launch(dataDir, chosen, passwords, tls, "always", null),
        chosen,
        dataDir,
        passwords,
        tls,
        "always",
        null);
  }

  /**
   * Starts a primary on a free port that fsyncs its append-only file once a second rather than at
   * every write: for the replicated mode, where a record counts as durable once a replica ({@link
   * #startReplica}) acknowledged it.
   */
  public static LocalRedis startWithFsyncEverySecond(Path dataDir) {
    int chosen = freePort();
    Map<String, Account> passwords = newAccounts();
    return new LocalRedis(
        launch(dataDir, chosen, passwords, null, "everysec", null),
        chosen,
        dataDir,
        passwords,
        null,
        "everysec",
        null);
  }

  /**
   * Starts a replica of this Redis on a free port with its data in {@code dataDir}: it logs in as
   * {@link User#REPLICA}, keeps its own append-only file (fsync once a second), refuses writes, and
   * has the same users and passwords, so {@link #url} works against either. It copies the data
   * asynchronously; a writer that needs the copy asks with {@code WAIT}.
   */
  public LocalRedis startReplica(Path dataDir) {
    if (tls != null) {
      throw new IllegalStateException("a replica of a TLS LocalRedis is not supported");
    }
    int chosen = freePort();
    return new LocalRedis(
        launch(dataDir, chosen, passwords, null, "everysec", port),
        chosen,
        dataDir,
        passwords,
        null,
        "everysec",
        port);
  }

  /**
   * Starts it again after {@link #stop}: the same port, data, users and passwords, as a Redis
   * restarted under its clients keeps them (a replica, of the same primary).
   */
  public synchronized void restart() {
    server = launch(dataDir, port, passwords, tls, appendFsync, primaryPort);
  }

  private static RedisServer launch(
      Path dataDir,
      int chosen,
      Map<String, Account> passwords,
      FederationCertificates.Issued tls,
      String appendFsync,
      Integer primaryPort) {
    try {
      Files.createDirectories(dataDir);
      Path aclFile = writeAclFile(dataDir.resolve("users.acl"), passwords);
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--bind",
                  "127.0.0.1",
                  "--protected-mode",
                  "yes",
                  "--aclfile",
                  aclFile.toAbsolutePath().toString(),
                  "--dir",
                  dataDir.toAbsolutePath().toString(),
                  // written before it is ready, so a supervisor can record who to stop
                  "--pidfile",
                  pidFile(dataDir).toAbsolutePath().toString(),
                  "--appendonly",
                  "yes",
                  "--appendfsync",
                  appendFsync,
                  "--save",
                  ""));
      if (primaryPort != null) {
        // the replica's password goes in a file only this user reads, never on a command line
        Path conf =
            writePrivately(
                dataDir.resolve("replica.conf"),
                "masteruser "
                    + User.REPLICA.username()
                    + "\nmasterauth "
                    + passwords.get(User.REPLICA.username()).password()
                    + "\n");
        args.add(0, conf.toAbsolutePath().toString());
        args.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(primaryPort)));
      }
      if (tls == null) {
        args.addAll(List.of("--port", Integer.toString(chosen)));
      } else {
        args.addAll(
            List.of(
                "--port", "0",
                "--tls-port", Integer.toString(chosen),
                "--tls-cert-file", tls.certificate().toAbsolutePath().toString(),
                "--tls-key-file", tls.privateKey().toAbsolutePath().toString(),
                "--tls-ca-cert-file", tls.authority().toAbsolutePath().toString(),
                // clients prove who they are with their ACL password, not a certificate
                "--tls-auth-clients", "no"));
      }
      RedisServer server = new RedisServer(chosen, withExecutable(args), false);
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not start Redis on 127.0.0.1:" + chosen + ": " + e.getMessage(), e);
    }
  }

  /** The users and their rules, passwords only as SHA-256 hashes, readable by this user only. */
  private static Path writeAclFile(Path file, Map<String, Account> accounts) throws IOException {
    StringBuilder acl = new StringBuilder("user default off resetkeys resetchannels -@all\n");
    for (Account account : accounts.values()) {
      acl.append("user ")
          .append(account.username())
          .append(" on #")
          .append(sha256(account.password()))
          .append(" resetkeys resetchannels ")
          .append(account.rules())
          .append('\n');
    }
    return writePrivately(file, acl.toString());
  }

  /** {@code text} in {@code file}, readable by this user only. */
  private static Path writePrivately(Path file, String text) throws IOException {
    Files.deleteIfExists(file);
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.writeString(file, text, StandardOpenOption.TRUNCATE_EXISTING);
    return file;
  }

  private static String newPassword() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String sha256(String password) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(password.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The executable first (the system's, else the embedded one), then the arguments. */
  private static List<String> withExecutable(List<String> args) throws IOException {
    Path system = systemRedisServer();
    String executable =
        system != null
            ? system.toString()
            : ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
    List<String> command = new ArrayList<>();
    command.add(executable);
    command.addAll(args);
    return command;
  }

  private static Path systemRedisServer() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/local/bin").split(":")) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  public int port() {
    return port;
  }

  private static Path pidFile(Path dataDir) {
    return dataDir.resolve("redis.pid");
  }

  /** The server's process id, from the pid file it wrote at start. */
  public long pid() {
    try {
      return Long.parseLong(Files.readString(pidFile(dataDir)).strip());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "no pid file " + pidFile(dataDir) + ": is the Redis running?", e);
    }
  }

  /**
   * The URL a component connects with, holding its user's password (generated at this start): give
   * each component its own, and never print one (see {@code RedisConnections.redacted}).
   */
  public URI url(User user) {
    return url(user.username());
  }

  /**
   * The URL of a {@linkplain User#national() national} user: {@code nation}'s exchange service's or
   * hotline node's, one of {@link #NATIONS}.
   */
  public URI url(User user, String nation) {
    if (!user.national()) {
      throw new IllegalArgumentException(user.name() + " is one user for every nation");
    }
    if (!NATIONS.contains(nation)) {
      throw new IllegalArgumentException(
          "this Redis has users for " + NATIONS + " only, not " + nation);
    }
    return url(user.username(nation));
  }

  private URI url(String username) {
    String address = "127.0.0.1:" + port;
    String credentials = username + ":" + passwords.get(username).password() + "@";
    return tls == null
        ? URI.create("redis://" + credentials + address)
        : URI.create(
            "rediss://"
                + credentials
                + address
                + "?cacert="
                + URLEncoder.encode(
                    tls.authority().toAbsolutePath().toString(), StandardCharsets.UTF_8));
  }

  /** The operator's URL, allowed everything: for troubleshooting and for tests that inspect. */
  public URI url() {
    return url(User.OPERATOR);
  }

  public Path dataDir() {
    return dataDir;
  }

  /**
   * Stops the server (the append-only file stays in the data directory): SIGTERM, then SIGKILL if
   * it has not exited within {@link #STOP_GRACE}. The embedded server's own stop waits without a
   * bound, so one Redis that did not exit would hang whoever stops it.
   */
  public void stop() {
    stop(STOP_GRACE);
  }

  synchronized void stop(Duration grace) {
    try {
      if (server.isActive()) {
        runningRedis().ifPresent(redis -> terminate(redis, grace));
      }
      server.stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static final Duration STOP_GRACE = Duration.ofSeconds(15);

  /**
   * The process of this server by its pid file, when that is a live redis-server (a Redis that
   * crashed leaves a file whose number may since name another process).
   */
  private java.util.Optional<ProcessHandle> runningRedis() {
    long pid;
    try {
      pid = pid();
    } catch (IllegalStateException noPidFile) {
      return java.util.Optional.empty();
    }
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(
            process ->
                process
                    .info()
                    .command()
                    .map(command -> command.contains("redis-server"))
                    .orElse(false));
  }

  private static void terminate(ProcessHandle redis, Duration grace) {
    redis.destroy();
    try {
      redis.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "Redis (pid {0}) did not exit within {1} of SIGTERM: killing it",
          redis.pid(),
          grace);
      redis.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      redis.destroyForcibly();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    stop();
  }

  static int freePort() {
    return LoopbackPorts.free();
  }
}
