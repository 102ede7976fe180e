package org.alliedexchange.gateway.config;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.time.Clock;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.gateway.access.CallAccessFilter;
import org.alliedexchange.gateway.access.CallDeadlines;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.gateway.access.IdentityNoticeReader;
import org.alliedexchange.gateway.access.IdentityRevocations;
import org.alliedexchange.gateway.ratelimit.CallLimits;
import org.alliedexchange.gateway.ratelimit.RateLimiter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The door of every gRPC call: the methods served, who may call them (with tokens no identity
 * change has revoked), and how often (counted in Redis across replicas).
 */
@Configuration(proxyBeanMethods = false)
class AccessConfiguration {

  /**
   * Spring Security's chains guard the console's paths; a gRPC call the access filter admitted
   * passes its firewall without a second copy of its headers ({@link AdmittedCallsFirewall}).
   */
  @Bean
  static org.springframework.beans.factory.config.BeanPostProcessor admittedCallsFirewall() {
    return new org.springframework.beans.factory.config.BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String name) {
        if (bean instanceof org.springframework.security.web.server.WebFilterChainProxy proxy) {
          proxy.setFirewall(new org.alliedexchange.gateway.access.AdmittedCallsFirewall());
        }
        return bean;
      }
    };
  }

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

  /** Open streams and buffered request bytes per system, at this replica. */
  @Bean
  CallLimits callLimits(GatewayProperties properties) {
    GatewayProperties.Limits limits = properties.limits();
    long whole = properties.maxMessageBytes() + 5L;
    if (limits.maxBufferedRequestBytesPerSystem() < whole) {
      throw new IllegalArgumentException(
          CallLimits.BUFFERED_BYTES_KEY
              + " is "
              + limits.maxBufferedRequestBytesPerSystem()
              + ", below one whole message of allied.gateway.max-message-bytes ("
              + whole
              + " bytes with its frame header): no request that large could pass");
    }
    return new CallLimits(
        limits.maxOpenStreamsPerSystem(), limits.maxBufferedRequestBytesPerSystem());
  }

  @Bean
  IdentityRevocations identityRevocations() {
    return new IdentityRevocations();
  }

  /** Keycloak's identity-change notices, read from the audit stream's Redis. */
  @Bean(destroyMethod = "close")
  IdentityNoticeReader identityNoticeReader(
      GatewayProperties properties, IdentityRevocations revocations) {
    return new IdentityNoticeReader(GatewayConfiguration.redis(properties), revocations);
  }

  @Bean
  CallAccessFilter callAccessFilter(
      GuardedMethods methods,
      GatewayProperties properties,
      TokenValidator tokens,
      RateLimiter rateLimiter,
      CallLimits callLimits,
      IdentityRevocations revocations,
      IdentityNoticeReader notices,
      OpenTelemetrySdk telemetry) {
    // the notices are read before the door opens (the reader as a parameter orders the beans)
    return new CallAccessFilter(
        methods,
        properties.nations().keySet(),
        properties.nations().entrySet().stream()
            .filter(e -> !e.getValue().hotlineAddresses().isEmpty())
            .map(java.util.Map.Entry::getKey)
            .collect(java.util.stream.Collectors.toSet()),
        properties.auditService().configured(),
        tokens,
        rateLimiter,
        callLimits,
        new CallDeadlines(
            properties.limits().defaultDeadline(), properties.limits().auditServiceDeadline()),
        revocations,
        telemetry);
  }
}
