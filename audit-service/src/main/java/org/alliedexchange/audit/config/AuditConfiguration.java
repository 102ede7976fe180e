package org.alliedexchange.audit.config;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.NationalScheme;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;
import org.alliedexchange.serviceruntime.CallMetrics;
import org.alliedexchange.serviceruntime.GatewayOnlyTls;
import org.alliedexchange.serviceruntime.GrpcServer;
import org.alliedexchange.serviceruntime.ManagementServer;
import org.alliedexchange.serviceruntime.ServiceDatabase;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import redis.clients.jedis.RedisClient;

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
      AuditProperties properties,
      AuditGrpcService service,
      TokenValidator tokens,
      PrometheusMeterRegistry registry) {
    ServerServiceDefinition api = service.bindService();
    return new GrpcServer(
        "audit service",
        properties.host(),
        properties.port(),
        4 * 1024 * 1024,
        Duration.ofSeconds(10),
        List.of(api),
        new AuthenticationInterceptor(tokens),
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            return next.startCall(call, headers);
          }
        },
        GatewayOnlyTls.open("allied.audit", properties.tls()),
        properties.reflection(),
        new CallMetrics(registry, List.of(api)));
  }

  @Bean
  PrometheusMeterRegistry meterRegistry() {
    return ManagementServer.registry();
  }

  /** Readiness's own client of the Redis: PING only. */
  @Bean(destroyMethod = "close")
  RedisClient readinessRedis(AuditProperties properties) {
    RedisConnections.check(properties.auditRedis(), "allied.audit.audit-redis");
    return RedisConnections.connect(properties.auditRedis(), Duration.ofSeconds(2));
  }

  /**
   * Liveness, readiness (Redis, PostgreSQL, the realm's keys) and Prometheus on {@code
   * management.server.port} (-1, none, unless set; {@code main} sets 8081).
   */
  @Bean
  ManagementServer managementServer(
      PrometheusMeterRegistry registry,
      RedisClient readinessRedis,
      DataSource dataSource,
      TokenValidator tokens,
      GrpcServer grpcServer,
      @Value("${management.server.port:-1}") int port,
      @Value("${management.server.address:127.0.0.1}") String address) {
    return new ManagementServer(
        "audit service",
        address,
        port,
        registry,
        ManagementServer.storesAndKeys(grpcServer, readinessRedis::ping, dataSource, tokens));
  }

  /**
   * What an operator watches of ingestion: write latency to the log, how far it lags the stream,
   * the dead letters.
   */
  @Bean
  Timer ingestionMeters(
      PrometheusMeterRegistry registry, StreamConsumer consumer, IngestionHealth health) {
    Timer writes =
        Timer.builder("allied.audit.log.write")
            .description("Time to write one batch of audit events to the log (PostgreSQL)")
            .publishPercentileHistogram()
            .register(registry);
    consumer.measureWrites(nanos -> writes.record(nanos, TimeUnit.NANOSECONDS));
    Gauge.builder("allied.audit.lag.seconds", consumer, StreamConsumer::lagSeconds)
        .description(
            "Age of the oldest audit stream entry read but not yet in the log; 0 when none")
        .register(registry);
    FunctionCounter.builder(
            "allied.audit.dead.letters", health, IngestionHealth::deadLetteredSinceStart)
        .description("Audit events dead-lettered since start")
        .register(registry);
    Gauge.builder(
            "allied.audit.dead.letters.unreviewed", health, IngestionHealth::unreviewedDeadLetters)
        .description("Dead letters awaiting review")
        .register(registry);
    return writes;
  }

  @Bean
  ConsoleServer consoleServer(
      AuditProperties properties, TokenValidator tokens, Federation federation) {
    return new ConsoleServer(
        properties.host(),
        properties.consolePort(),
        tokens,
        GatewayOnlyTls.open("allied.audit", properties.tls()),
        federation);
  }

  @Bean
  DeadLetters deadLetters(DataSource dataSource) {
    return new DeadLetters(dataSource);
  }

  /** Ingestion's soundness, reported by the gRPC server's health under its own name. */
  @Bean
  IngestionHealth ingestionHealth(GrpcServer grpcServer) {
    return new IngestionHealth(serving -> grpcServer.setHealth(IngestionHealth.SERVICE, serving));
  }

  /**
   * Reads every writer of the federation's nations from its own stream under {@code
   * allied.audit.stream}: the gateways', Keycloak's listener's, and each nation's exchange
   * service's and hotline node's.
   */
  @Bean(initMethod = "start", destroyMethod = "close")
  StreamConsumer streamConsumer(
      AuditProperties properties,
      Federation federation,
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
        AuditWriter.of(federation.nations().stream().map(NationalScheme::code).toList()),
        properties.group(),
        properties.consumer(),
        properties.batchSize(),
        properties.claimIdle());
  }
}
