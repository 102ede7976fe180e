package org.alliedexchange.audit.config;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.alliedexchange.audit.chain.CheckpointSigner;
import org.alliedexchange.audit.consumer.StreamConsumer;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.audit.store.ChainAudit;
import org.alliedexchange.audit.store.Checkpoints;
import org.alliedexchange.audit.store.ComplianceReport;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.database.ServiceDatabase;
import org.alliedexchange.label.NationalKey;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The audit service's parts, built from {@link AuditProperties}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
public class AuditConfiguration {

  /** The configured PostgreSQL, or a real one from Maven Central in the data directory when none is. */
  @Bean(destroyMethod = "close")
  ServiceDatabase database(AuditProperties properties) {
    AuditProperties.Database database = properties.database();
    return ServiceDatabase.open(new ServiceDatabase.Settings(database.url(), database.username(), database.password(),
        properties.dataDir().resolve("postgres"), database.embeddedPort(), "audit", 8, "org/alliedexchange/audit/db/migration",
        // binary bytea; one round trip for a batch of inserts
        Map.of("prepareThreshold", "1", "reWriteBatchedInserts", "true")));
  }

  /** The pool; closed with the database, not on its own. */
  @Bean(destroyMethod = "")
  DataSource dataSource(ServiceDatabase database) {
    return database.dataSource();
  }

  @Bean
  AuditLog auditLog(DataSource dataSource) {
    return new AuditLog(dataSource);
  }

  @Bean
  NationalKey checkpointKey(AuditProperties properties) {
    NationalKey key = NationalKey.loadOrCreate(properties.signingKeyFile());
    // the public half, for whoever verifies an exported log against a checkpoint
    key.writePublicKeyBeside(properties.signingKeyFile());
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
