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
   * @param url the server's JDBC URL
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
      Flyway.configure()
          .dataSource(pool)
          .locations("classpath:" + settings.migrations())
          .load()
          .migrate();
      return new ServiceDatabase(pool);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
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
