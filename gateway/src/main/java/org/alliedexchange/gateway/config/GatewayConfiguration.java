package org.alliedexchange.gateway.config;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.net.URI;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.auditstream.RedisConnections;
import org.springframework.beans.factory.ObjectProvider;
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
  ConsoleConfiguration.class
})
public class GatewayConfiguration {

  @Bean
  TokenValidator tokenValidator(GatewayProperties properties) {
    TokenSettings auth = properties.auth();
    return new TokenValidator(auth.issuer(), auth.jwks(), auth.audience(), auth.clockSkew());
  }

  @Bean(destroyMethod = "close")
  OpenTelemetrySdk openTelemetry(ObjectProvider<SpanProcessor> processors) {
    var tracer =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.of(AttributeKey.stringKey("service.name"), "gateway"))));
    processors.orderedStream().forEach(tracer::addSpanProcessor);
    return OpenTelemetrySdk.builder()
        .setTracerProvider(tracer.build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
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
