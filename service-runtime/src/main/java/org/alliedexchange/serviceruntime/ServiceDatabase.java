package org.alliedexchange.serviceruntime;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The PostgreSQL a service keeps its data in, pooled and migrated before anything reads it. The
 * server is always someone else's: a configured one, or, on one machine, the {@code LocalPostgres}
 * that the local federation, the tests and the benchmarks start and name by its URL.
 */
public final class ServiceDatabase implements AutoCloseable {

  /**
   * @param url the server's JDBC URL (it may carry {@code sslmode} and the driver's other settings)
   * @param username the role the service works as; null to take the URL's
   * @param password its password; null to take the URL's
   * @param migrationUsername the role that owns the schema and runs the migrations, so the one the
   *     service works as needs no right to change it; null to migrate as {@code username}
   * @param migrationPassword its password
   * @param poolName the pool's name in logs
   * @param maxPoolSize the most connections
   * @param migrations the class path location of the service's Flyway migrations; one per service,
   *     so services sharing a class path never run each other's
   * @param driverProperties PostgreSQL driver settings the service relies on
   */
  public record Settings(
      String url,
      String username,
      String password,
      String migrationUsername,
      String migrationPassword,
      String poolName,
      int maxPoolSize,
      String migrations,
      Map<String, String> driverProperties) {}

  private final HikariDataSource pool;

  private ServiceDatabase(HikariDataSource pool) {
    this.pool = pool;
  }

  public static ServiceDatabase open(Settings settings) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(settings.url());
    config.setUsername(settings.username());
    config.setPassword(settings.password());
    config.setPoolName(settings.poolName());
    settings.driverProperties().forEach(config::addDataSourceProperty);
    config.setMaximumPoolSize(settings.maxPoolSize());
    config.setConnectionTimeout(5_000);
    HikariDataSource pool = new HikariDataSource(config);
    try {
      migrate(settings, pool);
      return new ServiceDatabase(pool);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /**
   * Runs the migrations, as the owner role when one is configured, and then each migration folder's
   * {@code afterMigrate.sql}, which grants {@code ${service_role}} what the service needs.
   */
  private static void migrate(Settings settings, HikariDataSource pool) {
    if (settings.migrationUsername() == null || settings.migrationUsername().isBlank()) {
      flyway(settings, pool, "CURRENT_USER").migrate();
      return;
    }
    if (settings.username() == null || !settings.username().matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException(
          "the database username must be a plain role name (a-z 0-9 _) when a migration username"
              + " is set, to be granted its rights");
    }
    HikariConfig owner = new HikariConfig();
    owner.setJdbcUrl(settings.url());
    owner.setUsername(settings.migrationUsername());
    owner.setPassword(settings.migrationPassword());
    owner.setPoolName(settings.poolName() + "-migration");
    settings.driverProperties().forEach(owner::addDataSourceProperty);
    // Flyway holds its lock on one connection while it migrates on another
    owner.setMaximumPoolSize(3);
    owner.setConnectionTimeout(5_000);
    try (HikariDataSource migrations = new HikariDataSource(owner)) {
      flyway(settings, migrations, "\"" + settings.username() + "\"").migrate();
    }
  }

  private static Flyway flyway(Settings settings, DataSource dataSource, String serviceRole) {
    return Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:" + settings.migrations())
        .placeholders(Map.of("service_role", serviceRole))
        .load();
  }

  public DataSource dataSource() {
    return pool;
  }

  /** Closes the pool. */
  @Override
  public void close() {
    pool.close();
  }
}
