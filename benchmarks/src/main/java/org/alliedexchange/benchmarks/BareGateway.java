package org.alliedexchange.benchmarks;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import reactor.netty.http.HttpProtocol;

/**
 * A bare Spring Cloud Gateway for comparison: one route to the backend, h2c to it, no filters of
 * ours. The guarded gateway must reach at least its throughput.
 */
@SpringBootConfiguration
// Spring Security is on this class path for the guarded gateway's console; a bare gateway has none
// of it
// (its defaults would refuse every gRPC POST for want of a CSRF token)
@EnableAutoConfiguration(
    excludeName = {
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration",
      "org.springframework.boot.security.oauth2.client.autoconfigure.reactive.ReactiveOAuth2ClientAutoConfiguration",
      "org.springframework.boot.security.oauth2.client.autoconfigure.reactive.ReactiveOAuth2ClientWebSecurityAutoConfiguration"
    })
public class BareGateway {

  @Bean
  RouteLocator route(RouteLocatorBuilder routes, Environment environment) {
    return routes
        .routes()
        .route("backend", r -> r.path("/**").uri(environment.getRequiredProperty("bare.backend")))
        .build();
  }

  @Bean
  HttpClientCustomizer h2c() {
    return client -> client.protocol(HttpProtocol.H2C);
  }
}
