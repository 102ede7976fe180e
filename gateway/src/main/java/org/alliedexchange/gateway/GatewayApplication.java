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
@EnableAutoConfiguration
@Import(GatewayConfiguration.class)
public class GatewayApplication {

  /** Defaults a deployment may override: loopback, HTTP/2, none of the proxy headers gRPC does not need. */
  static final Map<String, Object> DEFAULTS = Map.of(
      "server.address", "127.0.0.1",
      "server.port", "8443",
      "server.http2.enabled", "true",
      "spring.main.banner-mode", "off",
      "spring.cloud.gateway.server.webflux.x-forwarded.enabled", "false",
      "spring.cloud.gateway.server.webflux.forwarded.enabled", "false",
      "spring.cloud.gateway.server.webflux.metrics.enabled", "false",
      "spring.cloud.gateway.server.webflux.httpclient.connect-timeout", "2000");

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

  private static SpringApplication application(Map<String, Object> properties) {
    SpringApplication application = new SpringApplication(GatewayApplication.class);
    application.setWebApplicationType(WebApplicationType.REACTIVE);
    Map<String, Object> all = new HashMap<>(DEFAULTS);
    all.putAll(properties);
    application.setDefaultProperties(all);
    return application;
  }
}
