package org.alliedexchange.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The PostgreSQL a service keeps its data in, pooled and migrated before anything reads it: an external
 * server when a URL is configured, otherwise a real PostgreSQL from Maven Central started in the
 * service's directory (127.0.0.1, fsync and synchronous commit on).
 */
public final class ServiceDatabase implements AutoCloseable {

  /**
   * @param url                  an external server's JDBC URL; null or blank for the embedded one
   * @param embeddedDir          where the embedded server keeps its data
   * @param embeddedPort         its port; 0 for a free one
   * @param poolName             the pool's name in logs
   * @param maxPoolSize          the most connections
   * @param migrations           the class path location of the service's Flyway migrations; one per service, so
   *                             services sharing a class path never run each other's
   * @param driverProperties     PostgreSQL driver settings the service relies on
   */
  public record Settings(String url, String username, String password, Path embeddedDir, int embeddedPort, String poolName,
      int maxPoolSize, String migrations, Map<String, String> driverProperties) {}

  private final EmbeddedPostgres embedded;
  private final HikariDataSource pool;

  private ServiceDatabase(EmbeddedPostgres embedded, HikariDataSource pool) {
    this.embedded = embedded;
    this.pool = pool;
  }

  public static ServiceDatabase open(Settings settings) {
    EmbeddedPostgres embedded = settings.url() == null || settings.url().isBlank() ? startEmbedded(settings) : null;
    HikariConfig config = new HikariConfig();
    if (embedded != null) {
      config.setJdbcUrl(embedded.getJdbcUrl("postgres", "postgres"));
    } else {
      config.setJdbcUrl(settings.url());
      config.setUsername(settings.username());
      config.setPassword(settings.password());
    }
    config.setPoolName(settings.poolName());
    settings.driverProperties().forEach(config::addDataSourceProperty);
    config.setMaximumPoolSize(settings.maxPoolSize());
    config.setConnectionTimeout(5_000);
    HikariDataSource pool = null;
    try {
      pool = new HikariDataSource(config);
      Flyway.configure().dataSource(pool).locations("classpath:" + settings.migrations()).load().migrate();
      return new ServiceDatabase(embedded, pool);
    } catch (RuntimeException e) {
      if (pool != null) {
        pool.close();
      }
      closeQuietly(embedded);
      throw e;
    }
  }

  private static EmbeddedPostgres startEmbedded(Settings settings) {
    try {
      return EmbeddedPostgres.builder()
          .setDataDirectory(Files.createDirectories(settings.embeddedDir()))
          .setCleanDataDirectory(false)
          .setPort(settings.embeddedPort())
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", "on")
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + settings.embeddedDir() + ": " + e.getMessage(), e);
    }
  }

  public DataSource dataSource() {
    return pool;
  }

  /** Closes the pool, then stops the embedded server, if any. */
  @Override
  public void close() {
    pool.close();
    closeQuietly(embedded);
  }

  private static void closeQuietly(EmbeddedPostgres embedded) {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        throw new UncheckedIOException("the embedded PostgreSQL did not stop: " + e.getMessage(), e);
      }
    }
  }
}
