package org.alliedexchange.serviceruntime;

import io.grpc.ServerServiceDefinition;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import redis.clients.jedis.RedisClient;

/**
 * What a backend behind the gateway (an exchange service, a hotline node) is assembled from besides
 * its own API: the gRPC server (mutual TLS admitting only the gateways, every call's token checked,
 * a server span and a count per call), the management port, the audit stream's batch writer, and
 * its telemetry. A service's configuration imports this and provides a {@link ServiceSettings}, a
 * {@link DataSource} and its API as {@link ServerServiceDefinition} beans.
 */
@Configuration(proxyBeanMethods = false)
public class ServiceRuntimeConfiguration {

  @Bean
  TokenValidator tokenValidator(ServiceSettings settings) {
    TokenSettings auth = settings.auth();
    return new TokenValidator(auth.issuer(), auth.jwks(), auth.audience(), auth.clockSkew());
  }

  /**
   * The service's audit records, written durable to the audit stream before a step commits;
   * concurrent steps share a round trip and an fsync.
   */
  @Bean(destroyMethod = "close")
  AuditBatchWriter auditBatchWriter(ServiceSettings settings) {
    return AuditBatchWriter.connect(
        settings.auditRedis(),
        settings.auditStream(),
        ServiceSettings.AUDIT_TIMEOUT,
        1024,
        100_000,
        settings.auditDurability());
  }

  /**
   * Spans go to the processor given (tests) and, when {@code otel.exporter.otlp.endpoint} ({@code
   * OTEL_EXPORTER_OTLP_ENDPOINT}) names a collector, over OTLP/HTTP; otherwise nowhere.
   */
  @Bean(destroyMethod = "close")
  OpenTelemetrySdk openTelemetry(
      ServiceSettings settings,
      ObjectProvider<SpanProcessor> spans,
      @Value("${otel.exporter.otlp.endpoint:}") String otlpEndpoint) {
    return Telemetry.create(
        settings.service(),
        settings.nation(),
        spans.getIfAvailable(),
        Telemetry.otlp(otlpEndpoint));
  }

  @Bean
  PrometheusMeterRegistry meterRegistry() {
    return ManagementServer.registry();
  }

  @Bean
  CallMetrics callMetrics(PrometheusMeterRegistry registry, List<ServerServiceDefinition> api) {
    return new CallMetrics(registry, api);
  }

  /** Readiness's own client of the Redis: PING only. */
  @Bean(destroyMethod = "close")
  RedisClient readinessRedis(ServiceSettings settings) {
    return RedisConnections.connect(settings.auditRedis(), Duration.ofSeconds(2));
  }

  /**
   * Liveness, readiness (Redis, PostgreSQL, the realm's keys) and Prometheus on {@code
   * management.server.port} (-1, none, unless set; a service's {@code main} sets 8081).
   */
  @Bean
  ManagementServer managementServer(
      ServiceSettings settings,
      PrometheusMeterRegistry registry,
      RedisClient readinessRedis,
      DataSource dataSource,
      TokenValidator tokens,
      GrpcServer grpcServer,
      @Value("${management.server.port:-1}") int port,
      @Value("${management.server.address:127.0.0.1}") String address) {
    return new ManagementServer(
        settings.name(),
        address,
        port,
        registry,
        ManagementServer.storesAndKeys(grpcServer, readinessRedis::ping, dataSource, tokens));
  }

  @Bean
  GrpcServer grpcServer(
      ServiceSettings settings,
      List<ServerServiceDefinition> api,
      TokenValidator validator,
      OpenTelemetrySdk telemetry,
      CallMetrics metrics) {
    return new GrpcServer(
        settings.name(),
        settings.host(),
        settings.port(),
        settings.maxMessageBytes(),
        settings.shutdownGrace(),
        api,
        new AuthenticationInterceptor(validator),
        // a span per call, without an event per message: a live subscription sends thousands, an
        // event each cost every delivery (a tenth of the feed's delivery threads' time at 1,000
        // subscribers), and the SDK keeps only a span's first 128 events anyway
        GrpcTelemetry.builder(telemetry)
            .setEmitMessageEvents(false)
            .build()
            .createServerInterceptor(),
        GatewayOnlyTls.open(settings.keyPrefix(), settings.tls()),
        settings.reflection(),
        metrics);
  }
}
