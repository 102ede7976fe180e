package org.alliedexchange.hotline;

import io.opentelemetry.sdk.trace.SpanProcessor;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.alliedexchange.hotline.config.HotlineConfiguration;
import org.alliedexchange.serviceruntime.GrpcServer;
import org.alliedexchange.serviceruntime.ManagementServer;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * One nation's hotline node. Configure with {@code allied.hotline.*} (see HotlineProperties), e.g.
 * {@code --allied.hotline.nation=KOR}.
 */
@SpringBootConfiguration
@Import(HotlineConfiguration.class)
public class HotlineServiceApplication {

  /**
   * The properties of {@code nation}'s hotline node on this machine: its signing key in {@code
   * dataDir} (unless {@code allied.hotline.signing-key-file} names the exchange service's), its
   * conferences in the PostgreSQL at {@code databaseJdbcUrl}, the audit stream and agreements in
   * {@code auditRedis}, tokens of the realm {@code issuer} checked with the keys at {@code jwks},
   * any free port. A mutable map: callers add or override (the gateway and relay client above all).
   */
  public static Map<String, Object> localProperties(
      String nation, Path dataDir, String databaseJdbcUrl, URI auditRedis, URI issuer, URI jwks) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("allied.hotline.nation", nation);
    properties.put("allied.hotline.data-dir", dataDir.toString());
    properties.put("allied.hotline.database.url", databaseJdbcUrl);
    properties.put("allied.hotline.audit-redis", auditRedis.toString());
    properties.put("allied.hotline.auth.issuer", issuer.toString());
    properties.put("allied.hotline.auth.jwks-uri", jwks.toString());
    return properties;
  }

  /**
   * Mutual TLS: the node's {@code certificate} and PKCS#8 {@code privateKey} (PEM), and the {@code
   * clientAuthority} that issued the gateways' client certificates; only a certificate named {@code
   * allied-gateway} gets an answer.
   */
  public static void addTls(
      Map<String, Object> properties, Path certificate, Path privateKey, Path clientAuthority) {
    properties.put("allied.hotline.tls.certificate", certificate.toString());
    properties.put("allied.hotline.tls.private-key", privateKey.toString());
    properties.put("allied.hotline.tls.client-authority", clientAuthority.toString());
  }

  /**
   * Run on its own ({@code java -jar hotline-service-<version>-exec.jar}), configured by
   * environment variables ({@code ALLIED_HOTLINE_NATION}, ...) and mounted files; the management
   * port is 8081 unless {@code MANAGEMENT_SERVER_PORT} says otherwise.
   */
  public static void main(String[] args) {
    SpringApplication application = application();
    application.setDefaultProperties(Map.of("management.server.port", "8081"));
    // every server thread is a daemon: without this the JVM would end as soon as main returned
    application.setKeepAlive(true);
    application.run(args);
  }

  /** No web server (the gRPC server is the node's own) and no banner. */
  private static SpringApplication application() {
    SpringApplication application = new SpringApplication(HotlineServiceApplication.class);
    application.setWebApplicationType(WebApplicationType.NONE);
    application.setBannerMode(Banner.Mode.OFF);
    return application;
  }

  /** A running node; the tests and the local federation start it through {@link #start}. */
  public record Running(ConfigurableApplicationContext context) implements AutoCloseable {
    public int port() {
      return context.getBean(GrpcServer.class).port();
    }

    /** The management port (probes, Prometheus); -1 when it is off. */
    public int managementPort() {
      return context.getBean(ManagementServer.class).port();
    }

    @Override
    public void close() {
      context.close();
    }
  }

  /**
   * Starts one with these {@code allied.hotline.*} properties (full keys) and, when given, a span
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
