package org.alliedexchange.gateway.config;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.gateway.metrics.CallMeters;
import org.alliedexchange.gateway.metrics.GuardDecisionMeters;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import redis.clients.jedis.RedisClient;

/**
 * What an operator watches: the call and decision counters, and what readiness waits on (the Redis,
 * the realm's keys), served by the actuator on the management port.
 */
@Configuration(proxyBeanMethods = false)
class OperationsConfiguration {

  @Bean
  GuardDecisionMeters guardDecisionMeters(MeterRegistry registry) {
    return new GuardDecisionMeters(registry);
  }

  @Bean
  CallMeters callMeters(MeterRegistry registry, GuardedMethods methods) {
    return new CallMeters(registry, methods);
  }

  /** Readiness's own client of the Redis: PING only. */
  @Bean(destroyMethod = "close")
  RedisClient readinessRedis(GatewayProperties properties) {
    return RedisConnections.connect(GatewayConfiguration.redis(properties), Duration.ofSeconds(2));
  }

  /** Readiness: the Redis of the audit stream answers (nothing is released without it). */
  @Bean
  HealthIndicator redisHealthIndicator(RedisClient readinessRedis) {
    return () -> {
      try {
        return "PONG".equalsIgnoreCase(readinessRedis.ping())
            ? Health.up().build()
            : Health.down().build();
      } catch (RuntimeException e) {
        // the message may carry the address, never the password: the URL is not in it
        return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
      }
    };
  }

  /** Readiness: the realm's signing keys were fetched (and are still cached or fetchable). */
  @Bean
  HealthIndicator realmKeysHealthIndicator(TokenValidator tokens) {
    return () -> tokens.keysAvailable() ? Health.up().build() : Health.down().build();
  }
}
