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
 * The gateway: Spring Cloud Gateway on Reactor Netty, speaking gRPC (HTTP/2) to national systems
 * and to each nation's exchange service, with the guard in between.
 */
@SpringBootConfiguration
// the gateway holds no database: a JDBC driver or Flyway on a shared class path (a launcher
// starting every service in one JVM, the benchmarks) must not make it try to open one
@EnableAutoConfiguration(
    excludeName = {
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration"
    })
@Import(GatewayConfiguration.class)
public class GatewayApplication {

  /**
   * Defaults a deployment may override: loopback, HTTP/2, none of the proxy headers gRPC does not
   * need.
   */
  static final Map<String, Object> DEFAULTS =
      Map.ofEntries(
          // JSON-to-gRPC transcoding would let messages past the guard in a form it does not read
          Map.entry("spring.cloud.gateway.server.webflux.filter.json-to-grpc.enabled", "false"),
          // global filters for routes this gateway never has (forward:, ws:, cached bodies): one
          // hop less each per call
          Map.entry(
              "spring.cloud.gateway.server.webflux.global-filter.adapt-cached-body.enabled",
              "false"),
          Map.entry(
              "spring.cloud.gateway.server.webflux.global-filter.remove-cached-body.enabled",
              "false"),
          Map.entry(
              "spring.cloud.gateway.server.webflux.global-filter.forward-routing.enabled", "false"),
          Map.entry(
              "spring.cloud.gateway.server.webflux.global-filter.forward-path.enabled", "false"),
          Map.entry(
              "spring.cloud.gateway.server.webflux.global-filter.websocket-routing.enabled",
              "false"),
          Map.entry("server.address", "127.0.0.1"),
          Map.entry("server.port", "8443"),
          Map.entry("server.http2.enabled", "true"),
          Map.entry("spring.main.banner-mode", "off"),
          Map.entry("spring.cloud.gateway.server.webflux.x-forwarded.enabled", "false"),
          Map.entry("spring.cloud.gateway.server.webflux.forwarded.enabled", "false"),
          Map.entry("spring.cloud.gateway.server.webflux.metrics.enabled", "false"),
          // its header filters copy every header once more per call to make observations that
          // are off (management.observations below); the guard opens its own span
          Map.entry("spring.cloud.gateway.server.webflux.observability.enabled", "false"),
          Map.entry("spring.cloud.gateway.server.webflux.httpclient.connect-timeout", "2000"),
          // at most 8 HTTP/2 connections to each backend, each carrying any number of calls: the
          // elastic default opened one per call when 1,000 streams arrived at once (the soak)
          Map.entry("spring.cloud.gateway.server.webflux.httpclient.pool.type", "fixed"),
          Map.entry("spring.cloud.gateway.server.webflux.httpclient.pool.max-connections", "8"),
          Map.entry("spring.cloud.gateway.server.webflux.httpclient.pool.acquire-timeout", "5000"),
          // the management port (management.server.port): the probes and Prometheus, nothing
          // else, on loopback unless deliberately opened; never on the national systems' port
          Map.entry("management.server.address", "127.0.0.1"),
          Map.entry("management.endpoints.web.exposure.include", "health,prometheus"),
          Map.entry("management.endpoints.web.discovery.enabled", "false"),
          Map.entry("management.endpoint.health.probes.enabled", "true"),
          Map.entry("management.endpoint.health.show-components", "always"),
          Map.entry(
              "management.endpoint.health.group.readiness.include",
              "readinessState,redis,realmKeys"),
          Map.entry("management.endpoint.health.group.liveness.include", "livenessState"),
          // no observation per request on the guarded path: the gateway counts calls itself
          Map.entry("management.observations.enable.all", "false"),
          Map.entry("management.metrics.enable.http", "false"));

  /** A running gateway. */
  public record Running(ConfigurableApplicationContext context) implements AutoCloseable {
    public int port() {
      return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    /** The management port (probes, Prometheus); -1 when it is off. */
    public int managementPort() {
      return context.getEnvironment().getProperty("local.management.port", Integer.class, -1);
    }

    @Override
    public void close() {
      context.close();
    }
  }

  /**
   * The properties of a gateway on this machine: listening on {@code port} (0 for any), tokens of
   * the realm {@code issuer} checked with the keys at {@code jwks}, the audit stream and agreements
   * in {@code auditRedis}. Add the nations with {@link #addNation} and the audit service with
   * {@link #addAuditService}. A mutable map: callers add or override.
   */
  public static Map<String, Object> localProperties(
      int port, java.net.URI issuer, java.net.URI jwks, java.net.URI auditRedis) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("server.port", Integer.toString(port));
    properties.put("allied.gateway.auth.issuer", issuer.toString());
    properties.put("allied.gateway.auth.jwks-uri", jwks.toString());
    properties.put("allied.gateway.audit-redis", auditRedis.toString());
    return properties;
  }

  /** A nation's exchange service (one replica) and the public key its bindings are signed with. */
  public static void addNation(
      Map<String, Object> properties,
      String nation,
      java.net.URI address,
      java.nio.file.Path bindingKey) {
    properties.put("allied.gateway.nations." + nation + ".addresses[0]", address.toString());
    properties.put("allied.gateway.nations." + nation + ".binding-keys[0]", bindingKey.toString());
  }

  /**
   * The audit service's gRPC API and, when {@code consoleUrl} is given, its console page with the
   * console's login on.
   */
  public static void addAuditService(
      Map<String, Object> properties, java.net.URI address, java.net.URI consoleUrl) {
    properties.put("allied.gateway.audit-service.addresses[0]", address.toString());
    if (consoleUrl != null) {
      properties.put("allied.gateway.audit-service.console-url", consoleUrl.toString());
      properties.put("allied.gateway.console.enabled", "true");
    }
  }

  /**
   * The gateway's client certificate for the backends (PEM {@code certificate} and its PKCS#8
   * {@code privateKey}) and the {@code authority} that issued theirs; their addresses are then
   * https.
   */
  public static void addBackendTls(
      Map<String, Object> properties,
      java.nio.file.Path certificate,
      java.nio.file.Path privateKey,
      java.nio.file.Path authority) {
    properties.put("allied.gateway.backend-tls.certificate", certificate.toString());
    properties.put("allied.gateway.backend-tls.private-key", privateKey.toString());
    properties.put("allied.gateway.backend-tls.authority", authority.toString());
  }

  /**
   * Run on its own ({@code java -jar gateway-<version>-exec.jar}), configured by environment
   * variables ({@code ALLIED_GATEWAY_AUTH_ISSUER}, ...) and mounted files; the management port is
   * 8081 unless {@code MANAGEMENT_SERVER_PORT} says otherwise.
   */
  public static void main(String[] args) {
    application(Map.of("management.server.port", "8081")).run(args);
  }

  /**
   * Starts a gateway with {@code properties} over the defaults; throws, naming the key, when they
   * are wrong.
   */
  public static Running start(Map<String, Object> properties) {
    return new Running(application(properties).run());
  }

  /**
   * As {@link #start(Map)}, with spans going to {@code spans} (an exporter's processor, or an
   * in-memory one in tests).
   */
  public static Running start(
      Map<String, Object> properties, io.opentelemetry.sdk.trace.SpanProcessor spans) {
    SpringApplication application = application(properties);
    application.addInitializers(
        context ->
            ((org.springframework.context.support.GenericApplicationContext) context)
                .registerBean(
                    "spanProcessor", io.opentelemetry.sdk.trace.SpanProcessor.class, () -> spans));
    return new Running(application.run());
  }

  private static SpringApplication application(Map<String, Object> properties) {
    SpringApplication application = new SpringApplication(GatewayApplication.class);
    application.setWebApplicationType(WebApplicationType.REACTIVE);
    Map<String, Object> all = new HashMap<>(DEFAULTS);
    // started from code (tests, the one-JVM federation): no management port unless asked for
    all.put("management.server.port", "-1");
    all.putAll(properties);
    application.setDefaultProperties(all);
    return application;
  }
}
