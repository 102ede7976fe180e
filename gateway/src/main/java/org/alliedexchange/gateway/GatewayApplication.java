package org.alliedexchange.gateway;

import java.util.HashMap;
import java.util.Map;
import org.alliedexchange.gateway.config.GatewayConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * The gateway: Spring Cloud Gateway on Reactor Netty, speaking gRPC (HTTP/2) to national systems and to
 * each nation's exchange service, with the guard in between.
 */
@SpringBootConfiguration
// the gateway holds no database: a JDBC driver or Flyway on a shared class path (a launcher starting
// every service in one JVM, the benchmarks) must not make it try to open one
@EnableAutoConfiguration(excludeName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration"})
@Import(GatewayConfiguration.class)
public class GatewayApplication {

  /** Defaults a deployment may override: loopback, HTTP/2, none of the proxy headers gRPC does not need. */
  static final Map<String, Object> DEFAULTS = Map.ofEntries(
      // JSON-to-gRPC transcoding would let messages past the guard in a form it does not read
      Map.entry("spring.cloud.gateway.server.webflux.filter.json-to-grpc.enabled", "false"),
      // global filters for routes this gateway never has (forward:, ws:, cached bodies): one hop less each per call
      Map.entry("spring.cloud.gateway.server.webflux.global-filter.adapt-cached-body.enabled", "false"),
      Map.entry("spring.cloud.gateway.server.webflux.global-filter.remove-cached-body.enabled", "false"),
      Map.entry("spring.cloud.gateway.server.webflux.global-filter.forward-routing.enabled", "false"),
      Map.entry("spring.cloud.gateway.server.webflux.global-filter.forward-path.enabled", "false"),
      Map.entry("spring.cloud.gateway.server.webflux.global-filter.websocket-routing.enabled", "false"),
      Map.entry("server.address", "127.0.0.1"),
      Map.entry("server.port", "8443"),
      Map.entry("server.http2.enabled", "true"),
      Map.entry("spring.main.banner-mode", "off"),
      Map.entry("spring.cloud.gateway.server.webflux.x-forwarded.enabled", "false"),
      Map.entry("spring.cloud.gateway.server.webflux.forwarded.enabled", "false"),
      Map.entry("spring.cloud.gateway.server.webflux.metrics.enabled", "false"),
      Map.entry("spring.cloud.gateway.server.webflux.httpclient.connect-timeout", "2000"));

  /** A running gateway. */
  public record Running(ConfigurableApplicationContext context) implements AutoCloseable {
    public int port() {
      return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    @Override
    public void close() {
      context.close();
    }
  }

  public static void main(String[] args) {
    application(Map.of()).run(args);
  }

  /** Starts a gateway with {@code properties} over the defaults; throws, naming the key, when they are wrong. */
  public static Running start(Map<String, Object> properties) {
    return new Running(application(properties).run());
  }

  /** As {@link #start(Map)}, with spans going to {@code spans} (an exporter's processor, or an in-memory one in tests). */
  public static Running start(Map<String, Object> properties, io.opentelemetry.sdk.trace.SpanProcessor spans) {
    SpringApplication application = application(properties);
    application.addInitializers(context -> ((org.springframework.context.support.GenericApplicationContext) context)
        .registerBean("spanProcessor", io.opentelemetry.sdk.trace.SpanProcessor.class, () -> spans));
    return new Running(application.run());
  }

  private static SpringApplication application(Map<String, Object> properties) {
    SpringApplication application = new SpringApplication(GatewayApplication.class);
    application.setWebApplicationType(WebApplicationType.REACTIVE);
    Map<String, Object> all = new HashMap<>(DEFAULTS);
    all.putAll(properties);
    application.setDefaultProperties(all);
    return application;
  }
}
