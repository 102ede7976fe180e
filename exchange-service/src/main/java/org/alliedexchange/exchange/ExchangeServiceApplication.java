package org.alliedexchange.exchange;

import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.Map;
import org.alliedexchange.exchange.config.ExchangeConfiguration;
import org.alliedexchange.serviceruntime.GrpcServer;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * One nation's exchange service. Configure with {@code allied.exchange.*} (see ExchangeProperties),
 * e.g. {@code --allied.exchange.nation=KOR}.
 */
@SpringBootConfiguration
@Import(ExchangeConfiguration.class)
public class ExchangeServiceApplication {

  /**
   * The properties of {@code nation}'s exchange service on this machine: its signing key in {@code
   * dataDir}, its products in the PostgreSQL at {@code database} (a JDBC URL), the audit stream and
   * agreements in {@code auditRedis}, tokens of the realm {@code issuer} checked with the keys at
   * {@code jwks}, any free port. A mutable map: callers add or override.
   */
  public static Map<String, Object> localProperties(
      String nation,
      java.nio.file.Path dataDir,
      String database,
      java.net.URI auditRedis,
      java.net.URI issuer,
      java.net.URI jwks) {
    Map<String, Object> properties = new java.util.HashMap<>();
    properties.put("allied.exchange.nation", nation);
    properties.put("allied.exchange.data-dir", dataDir.toString());
    properties.put("allied.exchange.database.url", database);
    properties.put("allied.exchange.audit-redis", auditRedis.toString());
    properties.put("allied.exchange.auth.issuer", issuer.toString());
    properties.put("allied.exchange.auth.jwks-uri", jwks.toString());
    return properties;
  }

  /**
   * Mutual TLS: the service's {@code certificate} and PKCS#8 {@code privateKey} (PEM), and the
   * {@code clientAuthority} that issued the gateways' client certificates; only a certificate named
   * {@code allied-gateway} gets an answer.
   */
  public static void addTls(
      Map<String, Object> properties,
      java.nio.file.Path certificate,
      java.nio.file.Path privateKey,
      java.nio.file.Path clientAuthority) {
    properties.put("allied.exchange.tls.certificate", certificate.toString());
    properties.put("allied.exchange.tls.private-key", privateKey.toString());
    properties.put("allied.exchange.tls.client-authority", clientAuthority.toString());
  }

  /**
   * Run on its own ({@code java -jar exchange-service-<version>-exec.jar}), configured by
   * environment variables ({@code ALLIED_EXCHANGE_NATION}, ...) and mounted files; the management
   * port is 8081 unless {@code MANAGEMENT_SERVER_PORT} says otherwise.
   */
  public static void main(String[] args) {
    SpringApplication application = application();
    application.setDefaultProperties(Map.of("management.server.port", "8081"));
    // every server thread (gRPC's, the management port's) is a daemon: without this the JVM
    // would end as soon as main returned
    application.setKeepAlive(true);
    application.run(args);
  }

  /**
   * No web server (the gRPC server is the service's own) and no banner, set here rather than in an
   * application.yaml, which would also configure any other Spring application on the same class
   * path.
   */
  private static SpringApplication application() {
    SpringApplication application = new SpringApplication(ExchangeServiceApplication.class);
    application.setWebApplicationType(WebApplicationType.NONE);
    application.setBannerMode(Banner.Mode.OFF);
    return application;
  }

  /** A running instance; the tests and the local federation start it through {@link #start}. */
  public record Running(ConfigurableApplicationContext context) implements AutoCloseable {
    public int port() {
      return context.getBean(GrpcServer.class).port();
    }

    /** The management port (probes, Prometheus); -1 when it is off. */
    public int managementPort() {
      return context.getBean(org.alliedexchange.serviceruntime.ManagementServer.class).port();
    }

    @Override
    public void close() {
      context.close();
    }
  }

  /**
   * Starts one with these {@code allied.exchange.*} properties (full keys) and, when given, a span
   * processor that receives its server spans.
   */
  public static Running start(Map<String, Object> properties, SpanProcessor spans) {
    SpringApplication application = application();
    application.setDefaultProperties(properties);
    if (spans != null) {
      application.addInitializers(
          context -> context.getBeanFactory().registerSingleton("spanProcessor", spans));
    }
    return new Running(application.run());
  }
}
