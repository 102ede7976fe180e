package org.alliedexchange.audit.config;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.alliedexchange.audit.chain.CheckpointSigner;
import org.alliedexchange.audit.consumer.StreamConsumer;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.audit.store.ChainAudit;
import org.alliedexchange.audit.store.ComplianceReport;
import org.alliedexchange.audit.store.Checkpoints;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.label.NationalKey;
import org.flywaydb.core.Flyway;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The audit service's parts, built from {@link AuditProperties}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
public class AuditConfiguration {

  /** The embedded PostgreSQL when no database is configured, or null. */
  @Bean(destroyMethod = "close")
  EmbeddedPostgresHolder embeddedPostgres(AuditProperties properties) {
    if (!properties.database().embedded()) {
      return new EmbeddedPostgresHolder(null);
    }
    try {
      return new EmbeddedPostgresHolder(EmbeddedPostgres.builder()
          .setDataDirectory(Files.createDirectories(properties.dataDir().resolve("postgres")))
          .setCleanDataDirectory(false)
          .setPort(properties.database().embeddedPort())
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", "on")
          .start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + properties.dataDir() + ": " + e.getMessage(), e);
    }
  }

  /** Holds the embedded server so Spring stops it after the pool. */
  public record EmbeddedPostgresHolder(EmbeddedPostgres postgres) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  @Bean(destroyMethod = "close")
  HikariDataSource dataSource(AuditProperties properties, EmbeddedPostgresHolder embedded) {
    HikariConfig config = new HikariConfig();
    if (embedded.postgres() != null) {
      config.setJdbcUrl(embedded.postgres().getJdbcUrl("postgres", "postgres"));
    } else {
      config.setJdbcUrl(properties.database().url());
      config.setUsername(properties.database().username());
      config.setPassword(properties.database().password());
    }
    config.setPoolName("audit");
    config.addDataSourceProperty("prepareThreshold", "1");
    // one round trip for a batch of inserts
    config.addDataSourceProperty("reWriteBatchedInserts", "true");
    config.setMaximumPoolSize(8);
    config.setConnectionTimeout(5_000);
    HikariDataSource dataSource = new HikariDataSource(config);
    // a location of its own: the exchange service's migrations may share the class path
    Flyway.configure().dataSource(dataSource).locations("classpath:org/alliedexchange/audit/db/migration").load().migrate();
    return dataSource;
  }

  @Bean
  AuditLog auditLog(DataSource dataSource) {
    return new AuditLog(dataSource);
  }

  @Bean
  NationalKey checkpointKey(AuditProperties properties) throws IOException {
    NationalKey key = NationalKey.loadOrCreate(properties.signingKeyFile());
    // the public half, for whoever verifies an exported log against a checkpoint
    Path signing = properties.signingKeyFile();
    Files.writeString(signing.resolveSibling(signing.getFileName().toString().replaceAll("\\.pem$", "") + ".pub.pem"), key.publicKeyPem());
    return key;
  }

  @Bean(initMethod = "start", destroyMethod = "close")
  Checkpoints checkpoints(DataSource dataSource, NationalKey checkpointKey, AuditProperties properties) {
    return new Checkpoints(dataSource, new CheckpointSigner(checkpointKey), Clock.systemUTC(), properties.checkpointEvery());
  }

  @Bean
  ChainAudit chainAudit(AuditLog log, Checkpoints checkpoints, NationalKey checkpointKey) {
    return new ChainAudit(log, checkpoints, checkpointKey.keyPair().getPublic());
  }

  @Bean
  ComplianceReport complianceReport(DataSource dataSource, Checkpoints checkpoints, NationalKey checkpointKey) {
    return new ComplianceReport(dataSource, checkpoints, checkpointKey.keyPair().getPublic());
  }

  @Bean(initMethod = "start", destroyMethod = "close")
  StreamConsumer streamConsumer(AuditProperties properties, AuditLog log) {
    return new StreamConsumer(RedisConnections.connect(properties.redis(), Duration.ofSeconds(5)), log, properties.stream(),
        properties.group(), properties.consumer(), properties.batchSize(), properties.claimIdle());
  }
}
