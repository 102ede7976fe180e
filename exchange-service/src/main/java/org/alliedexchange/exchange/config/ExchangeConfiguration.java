package org.alliedexchange.exchange.config;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.net.URI;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.exchange.audit.ExchangeAudit;
import org.alliedexchange.exchange.feed.LiveFeed;
import org.alliedexchange.exchange.feed.PublishBatcher;
import org.alliedexchange.exchange.grpc.ExchangeGrpcService;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.exchange.telemetry.Telemetry;
import org.alliedexchange.federationstate.AgreementBoard;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.NationalScheme;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;
import org.alliedexchange.serviceruntime.CallMetrics;
import org.alliedexchange.serviceruntime.GatewayOnlyTls;
import org.alliedexchange.serviceruntime.GrpcServer;
import org.alliedexchange.serviceruntime.ManagementServer;
import org.alliedexchange.serviceruntime.ServiceDatabase;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import redis.clients.jedis.RedisClient;

/**
 * The wiring of one nation's exchange service; every piece is plain Java, Spring only assembles it.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ExchangeProperties.class)
public class ExchangeConfiguration {

  @Bean
  Federation federation(ExchangeProperties properties) {
    Federation federation =
        properties.policyConfig() == null
            ? FederationConfig.loadDefault()
            : FederationConfig.load(properties.policyConfig());
    if (federation.nation(properties.nation()) == null) {
      throw new IllegalStateException(
          "allied.exchange.nation: "
              + properties.nation()
              + " is not a nation of the federation "
              + "configuration "
              + federation.nations().stream().map(NationalScheme::code).toList());
    }
    return federation;
  }

  /**
   * Agreement statuses as the federation administrators set them through the gateways, so this
   * service's own check (the second filter behind the gateway's) withholds under a suspension too.
   * When Redis cannot be read for longer than the board's staleness bound, reads are refused
   * UNAVAILABLE, as at the gateway.
   */
  @Bean(destroyMethod = "close")
  AgreementBoard agreementBoard(Federation federation, ExchangeProperties properties) {
    return new AgreementBoard(
        federation, redis(properties), AuditStream.DEFAULT_KEY, Clock.systemUTC());
  }

  @Bean
  Supplier<ReleasabilityEngine> releasabilityEngine(AgreementBoard board) {
    return board::engine;
  }

  /** The configured PostgreSQL, pooled and migrated. */
  @Bean(destroyMethod = "close")
  ServiceDatabase database(ExchangeProperties properties) {
    ExchangeProperties.Database database = properties.database();
    return ServiceDatabase.open(
        new ServiceDatabase.Settings(
            database.url(),
            database.username(),
            database.password(),
            database.migrationUsername(),
            database.migrationPassword(),
            "exchange-" + properties.nation(),
            16,
            "org/alliedexchange/exchange/db/migration",
            // server-prepare every statement at once, so bytea columns come back binary rather than
            // as hex text
            Map.of("prepareThreshold", "1")));
  }

  /** The pool; closed with the database, not on its own. */
  @Bean(destroyMethod = "")
  DataSource dataSource(ServiceDatabase database) {
    return database.dataSource();
  }

  @Bean
  ProductStore productStore(DataSource dataSource) {
    return new ProductStore(dataSource);
  }

  @Bean(destroyMethod = "close")
  PublishBatcher publishBatcher(ProductStore store, BindingSigner signer) {
    return new PublishBatcher(store, signer, Clock.systemUTC(), 20_000);
  }

  @Bean(destroyMethod = "close")
  LiveFeed liveFeed(DataSource dataSource, ProductStore store, ExchangeProperties properties)
      throws SQLException {
    return new LiveFeed(dataSource, store, properties.limits().subscriberQueue());
  }

  @Bean
  NationalKey nationalKey(ExchangeProperties properties) {
    NationalKey key = NationalKey.loadOrCreate(properties.signingKeyFile());
    // the public half, for the gateways that verify this nation's bindings
    key.writePublicKeyBeside(properties.signingKeyFile());
    return key;
  }

  /**
   * Tells this service's verifier about every batch it signs, so its own signatures are never
   * checked twice.
   */
  @Bean
  BindingSigner bindingSigner(
      ExchangeProperties properties, NationalKey key, BindingVerifier verifier) {
    return new BindingSigner(properties.nation(), key, verifier);
  }

  @Bean
  BindingVerifier bindingVerifier(NationalKey key) {
    return new BindingVerifier(Map.of(key.keyId(), key.keyPair().getPublic()), 200_000);
  }

  @Bean(destroyMethod = "close")
  AuditStreamWriter auditStreamWriter(ExchangeProperties properties) {
    return AuditStreamWriter.connect(
        redis(properties), AuditStream.DEFAULT_KEY, Duration.ofSeconds(2));
  }

  @Bean(destroyMethod = "close")
  AuditBatchWriter refusalWriter(ExchangeProperties properties) {
    return AuditBatchWriter.connect(
        redis(properties), AuditStream.DEFAULT_KEY, Duration.ofSeconds(2), 1024, 100_000);
  }

  @Bean
  ExchangeAudit exchangeAudit(
      AuditStreamWriter writer, AuditBatchWriter refusalWriter, ExchangeProperties properties) {
    return new ExchangeAudit(writer, refusalWriter, properties.nation());
  }

  /**
   * Spans go to the processor given (tests) and, when {@code otel.exporter.otlp.endpoint} ({@code
   * OTEL_EXPORTER_OTLP_ENDPOINT}) names a collector, over OTLP/HTTP; otherwise nowhere.
   */
  @Bean(destroyMethod = "close")
  OpenTelemetrySdk openTelemetry(
      ExchangeProperties properties,
      ObjectProvider<SpanProcessor> spans,
      @Value("${otel.exporter.otlp.endpoint:}") String otlpEndpoint) {
    return Telemetry.create(
        properties.nation(), spans.getIfAvailable(), Telemetry.otlp(otlpEndpoint));
  }

  @Bean
  PrometheusMeterRegistry meterRegistry() {
    return ManagementServer.registry();
  }

  @Bean
  CallMetrics callMetrics(PrometheusMeterRegistry registry, ExchangeGrpcService service) {
    return new CallMetrics(registry, java.util.List.of(service.serviceDefinition()));
  }

  /** Readiness's own client of the Redis: PING only. */
  @Bean(destroyMethod = "close")
  RedisClient readinessRedis(ExchangeProperties properties) {
    return RedisConnections.connect(redis(properties), Duration.ofSeconds(2));
  }

  /**
   * Liveness, readiness (Redis, PostgreSQL, the realm's keys) and Prometheus on {@code
   * management.server.port} (-1, none, unless set; {@code main} sets 8081).
   */
  @Bean
  ManagementServer managementServer(
      ExchangeProperties properties,
      PrometheusMeterRegistry registry,
      RedisClient readinessRedis,
      DataSource dataSource,
      TokenValidator tokens,
      GrpcServer grpcServer,
      @Value("${management.server.port:-1}") int port,
      @Value("${management.server.address:127.0.0.1}") String address) {
    return new ManagementServer(
        "exchange service " + properties.nation(),
        address,
        port,
        registry,
        ManagementServer.storesAndKeys(grpcServer, readinessRedis::ping, dataSource, tokens));
  }

  @Bean
  TokenValidator tokenValidator(ExchangeProperties properties) {
    TokenSettings auth = properties.auth();
    return new TokenValidator(auth.issuer(), auth.jwks(), auth.audience(), auth.clockSkew());
  }

  @Bean
  ExchangeGrpcService exchangeGrpcService(
      ExchangeProperties properties,
      ProductStore store,
      PublishBatcher batcher,
      LiveFeed feed,
      BindingSigner signer,
      BindingVerifier verifier,
      Supplier<ReleasabilityEngine> engine,
      AgreementBoard board,
      ExchangeAudit audit) {
    return new ExchangeGrpcService(
        properties.nation(),
        store,
        batcher,
        feed,
        signer,
        verifier,
        engine,
        board::problem,
        audit,
        Clock.systemUTC(),
        properties.limits().searchPageSize(),
        properties.limits().searchPageMax());
  }

  @Bean
  GrpcServer grpcServer(
      ExchangeProperties properties,
      ExchangeGrpcService service,
      TokenValidator validator,
      OpenTelemetrySdk telemetry,
      CallMetrics metrics) {
    return new GrpcServer(
        "exchange service " + properties.nation(),
        properties.host(),
        properties.port(),
        properties.limits().maxMessageBytes(),
        properties.limits().shutdownGrace(),
        java.util.List.of(service.serviceDefinition()),
        new AuthenticationInterceptor(validator),
        GrpcTelemetry.create(telemetry).createServerInterceptor(),
        GatewayOnlyTls.open("allied.exchange", properties.tls()),
        properties.reflection(),
        metrics);
  }

  /**
   * The audit stream's Redis, checked: redis:// or rediss://, credentials of this service's own ACL
   * user; a wrong URL stops the service naming the key, never the password.
   */
  static URI redis(ExchangeProperties properties) {
    RedisConnections.check(properties.auditRedis(), "allied.exchange.audit-redis");
    return properties.auditRedis();
  }
}
