package org.alliedexchange.audit.config;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.audit.chain.CheckpointSigner;
import org.alliedexchange.audit.console.ConsoleServer;
import org.alliedexchange.audit.consumer.IngestionHealth;
import org.alliedexchange.audit.consumer.StreamConsumer;
import org.alliedexchange.audit.grpc.AuditGrpcService;
import org.alliedexchange.audit.query.RecordLabels;
import org.alliedexchange.audit.query.RecordQuery;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.audit.store.ChainAudit;
import org.alliedexchange.audit.store.Checkpoints;
import org.alliedexchange.audit.store.ComplianceReport;
import org.alliedexchange.audit.store.DeadLetters;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;
import org.alliedexchange.serviceruntime.GatewayOnlyTls;
import org.alliedexchange.serviceruntime.GrpcServer;
import org.alliedexchange.serviceruntime.ServiceDatabase;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The audit service's parts, built from {@link AuditProperties}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
public class AuditConfiguration {

  /** The configured PostgreSQL, pooled and migrated. */
  @Bean(destroyMethod = "close")
  ServiceDatabase database(AuditProperties properties) {
    AuditProperties.Database database = properties.database();
    return ServiceDatabase.open(
        new ServiceDatabase.Settings(
            database.url(),
            database.username(),
            database.password(),
            database.migrationUsername(),
            database.migrationPassword(),
            "audit",
            8,
            "org/alliedexchange/audit/db/migration",
            // binary bytea; one round trip for a batch of inserts
            Map.of("prepareThreshold", "1", "reWriteBatchedInserts", "true")));
  }

  /** The pool; closed with the database, not on its own. */
  @Bean(destroyMethod = "")
  DataSource dataSource(ServiceDatabase database) {
    return database.dataSource();
  }

  @Bean
  RecordLabels recordLabels(Federation federation) {
    return new RecordLabels(federation);
  }

  @Bean
  AuditLog auditLog(DataSource dataSource, RecordLabels labels) {
    return new AuditLog(
        dataSource, label -> WireMapping.level(labels.productLevel(label)).getNumber());
  }

  @Bean
  NationalKey checkpointKey(AuditProperties properties) {
    NationalKey key = NationalKey.loadOrCreate(properties.signingKeyFile());
    // the public half, for whoever verifies an exported log against a checkpoint
    key.writePublicKeyBeside(properties.signingKeyFile());
    return key;
  }

  @Bean(initMethod = "start", destroyMethod = "close")
  Checkpoints checkpoints(
      DataSource dataSource, NationalKey checkpointKey, AuditProperties properties) {
    return new Checkpoints(
        dataSource,
        new CheckpointSigner(checkpointKey),
        Clock.systemUTC(),
        properties.checkpointEvery());
  }

  @Bean
  ChainAudit chainAudit(AuditLog log, Checkpoints checkpoints, NationalKey checkpointKey) {
    return new ChainAudit(log, checkpoints, checkpointKey.keyPair().getPublic());
  }

  @Bean
  ComplianceReport complianceReport(
      DataSource dataSource, Checkpoints checkpoints, NationalKey checkpointKey) {
    return new ComplianceReport(dataSource, checkpoints, checkpointKey.keyPair().getPublic());
  }

  @Bean
  Federation federation(AuditProperties properties) {
    return properties.policyConfig() == null
        ? FederationConfig.loadDefault()
        : FederationConfig.load(properties.policyConfig());
  }

  @Bean
  TokenValidator tokenValidator(AuditProperties properties) {
    TokenSettings auth = properties.auth();
    return new TokenValidator(auth.issuer(), auth.jwks(), auth.audience(), auth.clockSkew());
  }

  @Bean
  RecordQuery recordQuery(DataSource dataSource) {
    return new RecordQuery(dataSource);
  }

  /**
   * The threads that stream queries and exports: bounded, so a burst of exports cannot exhaust the
   * database pool.
   */
  @Bean(destroyMethod = "shutdownNow")
  ExecutorService auditStreams(AuditProperties properties) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        0,
        properties.maxStreams(),
        60,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        task -> {
          Thread thread = new Thread(task, "audit-stream-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  @Bean
  AuditGrpcService auditGrpcService(
      AuditLog log,
      RecordQuery query,
      Federation federation,
      ChainAudit chains,
      Checkpoints checkpoints,
      ComplianceReport reports,
      NationalKey checkpointKey,
      ExecutorService auditStreams,
      AuditProperties properties,
      RecordLabels labels) {
    return new AuditGrpcService(
        log,
        query,
        labels,
        chains,
        checkpoints,
        reports,
        checkpointKey,
        auditStreams,
        properties.stallLimit());
  }

  @Bean
  GrpcServer grpcServer(
      AuditProperties properties, AuditGrpcService service, TokenValidator tokens) {
    return new GrpcServer(
        "audit service",
        properties.host(),
        properties.port(),
        4 * 1024 * 1024,
        Duration.ofSeconds(10),
        List.of(service.bindService()),
        new AuthenticationInterceptor(tokens),
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            return next.startCall(call, headers);
          }
        },
        GatewayOnlyTls.open("allied.audit", properties.tls()),
        properties.reflection());
  }

  @Bean
  ConsoleServer consoleServer(AuditProperties properties, TokenValidator tokens) {
    return new ConsoleServer(
        properties.host(),
        properties.consolePort(),
        tokens,
        GatewayOnlyTls.open("allied.audit", properties.tls()));
  }

  @Bean
  DeadLetters deadLetters(DataSource dataSource, AuditProperties properties) {
    return new DeadLetters(dataSource, properties.stream());
  }

  /** Ingestion's soundness, reported by the gRPC server's health under its own name. */
  @Bean
  IngestionHealth ingestionHealth(GrpcServer grpcServer) {
    return new IngestionHealth(serving -> grpcServer.setHealth(IngestionHealth.SERVICE, serving));
  }

  @Bean(initMethod = "start", destroyMethod = "close")
  StreamConsumer streamConsumer(
      AuditProperties properties,
      AuditLog log,
      DeadLetters deadLetters,
      IngestionHealth ingestionHealth) {
    // a wrong URL stops the service naming the key, never the password
    RedisConnections.check(properties.auditRedis(), "allied.audit.audit-redis");
    return new StreamConsumer(
        RedisConnections.connect(properties.auditRedis(), Duration.ofSeconds(5)),
        log,
        deadLetters,
        ingestionHealth,
        properties.stream(),
        properties.group(),
        properties.consumer(),
        properties.batchSize(),
        properties.claimIdle());
  }
}
