package org.alliedexchange.audit;

import java.util.Map;
import org.alliedexchange.audit.config.AuditConfiguration;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * The audit service: consumes the audit stream into the append-only, hash-linked log. Configure
 * with {@code allied.audit.*} (see AuditProperties).
 */
@SpringBootConfiguration
@Import(AuditConfiguration.class)
public class AuditServiceApplication {

  /** A running instance. */
  public record Running(ConfigurableApplicationContext context) implements AutoCloseable {
    /** The port the auditor console's page is served on (reached through the gateway). */
    public int consolePort() {
      return context.getBean(org.alliedexchange.audit.console.ConsoleServer.class).port();
    }

    /** The auditors' gRPC port. */
    public int port() {
      return context.getBean(org.alliedexchange.serviceruntime.GrpcServer.class).port();
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
   * The properties of an audit service on this machine: its checkpoint key in {@code dataDir}, its
   * log in the PostgreSQL at {@code database} (a JDBC URL), the audit stream in {@code auditRedis},
   * tokens of the realm {@code issuer} checked with the keys at {@code jwks}, and any free ports. A
   * mutable map: callers add or override.
   */
  public static Map<String, Object> localProperties(
      java.nio.file.Path dataDir,
      String database,
      java.net.URI auditRedis,
      java.net.URI issuer,
      java.net.URI jwks) {
    Map<String, Object> properties = new java.util.HashMap<>();
    properties.put("allied.audit.data-dir", dataDir.toString());
    properties.put("allied.audit.database.url", database);
    properties.put("allied.audit.audit-redis", auditRedis.toString());
    properties.put("allied.audit.port", "0");
    properties.put("allied.audit.console-port", "0");
    properties.put("allied.audit.auth.issuer", issuer.toString());
    if (jwks != null) {
      // otherwise the realm's keys are found from the issuer
      properties.put("allied.audit.auth.jwks-uri", jwks.toString());
    }
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
    properties.put("allied.audit.tls.certificate", certificate.toString());
    properties.put("allied.audit.tls.private-key", privateKey.toString());
    properties.put("allied.audit.tls.client-authority", clientAuthority.toString());
  }

  /**
   * Run on its own ({@code java -jar audit-service-<version>-exec.jar}), configured by environment
   * variables ({@code ALLIED_AUDIT_DATABASE_URL}, ...) and mounted files; the management port is
   * 8081 unless {@code MANAGEMENT_SERVER_PORT} says otherwise.
   */
  public static void main(String[] args) {
    SpringApplication application = application();
    application.setDefaultProperties(Map.of("management.server.port", "8081"));
    // every server thread (gRPC's, the management port's) is a daemon: without this the JVM
    // would end as soon as main returned
    application.setKeepAlive(true);
    application.run(args);
  }

  public static Running start(Map<String, Object> properties) {
    SpringApplication application = application();
    application.setDefaultProperties(properties);
    return new Running(application.run());
  }

  private static SpringApplication application() {
    SpringApplication application = new SpringApplication(AuditServiceApplication.class);
    application.setWebApplicationType(WebApplicationType.NONE);
    application.setBannerMode(Banner.Mode.OFF);
    return application;
  }
}
