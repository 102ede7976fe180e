package org.alliedexchange.gateway.config;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.URI;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.auditstream.RedisConnections;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The gateway's parts, built from {@link GatewayProperties} and checked before the port opens: one
 * configuration class per part, and here what several of them share (token checks, tracing, the
 * Redis).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(GatewayProperties.class)
@Import({
  AgreementsConfiguration.class,
  GuardConfiguration.class,
  AccessConfiguration.class,
  RoutingConfiguration.class,
  AuditorsConfiguration.class,
  ConsoleConfiguration.class,
  HotlineConfiguration.class,
  OperationsConfiguration.class
})
public class GatewayConfiguration {

  @Bean
  TokenValidator tokenValidator(GatewayProperties properties) {
    TokenSettings auth = properties.auth();
    return new TokenValidator(auth.issuer(), auth.jwks(), auth.audience(), auth.clockSkew());
  }

  /**
   * Spans go to the processors given (tests) and, when {@code otel.exporter.otlp.endpoint} ({@code
   * OTEL_EXPORTER_OTLP_ENDPOINT}) names a collector, over OTLP/HTTP; otherwise nowhere.
   */
  @Bean(destroyMethod = "close")
  OpenTelemetrySdk openTelemetry(
      ObjectProvider<SpanProcessor> processors,
      @Value("${otel.exporter.otlp.endpoint:}") String otlpEndpoint) {
    var tracer =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.of(AttributeKey.stringKey("service.name"), "gateway"))));
    processors.orderedStream().forEach(tracer::addSpanProcessor);
    SpanProcessor otlp = otlp(otlpEndpoint);
    if (otlp != null) {
      tracer.addSpanProcessor(otlp);
    }
    return OpenTelemetrySdk.builder()
        .setTracerProvider(tracer.build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  /**
   * A batching processor exporting over OTLP/HTTP to {@code endpoint} (a collector's base URL:
   * spans go to {@code <endpoint>/v1/traces}); null when none is configured.
   */
  static SpanProcessor otlp(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      return null;
    }
    String base = endpoint.strip();
    URI uri;
    try {
      uri = URI.create(base);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "otel.exporter.otlp.endpoint: not a URL: " + e.getMessage(), e);
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          "otel.exporter.otlp.endpoint: must be an http:// or https:// URL, not " + base);
    }
    String traces = (base.endsWith("/") ? base : base + "/") + "v1/traces";
    return BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(traces).build())
        .build();
  }

  /**
   * The Redis of the audit stream, agreement changes and rate-limit windows, checked to be redis://
   * or rediss://, with the gateway's own ACL user; the message never holds the password.
   */
  static URI redis(GatewayProperties properties) {
    URI url = properties.auditRedis();
    RedisConnections.check(url, "allied.gateway.audit-redis");
    return url;
  }
}
