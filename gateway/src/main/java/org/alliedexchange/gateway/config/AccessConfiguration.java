package org.alliedexchange.gateway.config;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.time.Clock;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.gateway.access.CallAccessFilter;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.gateway.ratelimit.RateLimiter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The door of every gRPC call: the methods served, who may call them, and how often (counted in
 * Redis across replicas).
 */
@Configuration(proxyBeanMethods = false)
class AccessConfiguration {

  @Bean
  GuardedMethods guardedMethods() {
    return GuardedMethods.fromApi();
  }

  @Bean(destroyMethod = "close")
  RateLimiter rateLimiter(GatewayProperties properties) {
    return new RateLimiter(
        GatewayConfiguration.redis(properties),
        properties.rateLimit().redisTimeout(),
        properties.rateLimit()::limitFor,
        Clock.systemUTC());
  }

  @Bean
  CallAccessFilter callAccessFilter(
      GuardedMethods methods,
      GatewayProperties properties,
      TokenValidator tokens,
      RateLimiter rateLimiter,
      OpenTelemetrySdk telemetry) {
    return new CallAccessFilter(
        methods,
        properties.nations().keySet(),
        properties.auditService().configured(),
        tokens,
        rateLimiter,
        telemetry);
  }
}
