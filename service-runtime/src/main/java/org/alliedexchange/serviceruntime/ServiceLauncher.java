package org.alliedexchange.serviceruntime;

import io.opentelemetry.sdk.trace.SpanProcessor;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * How a backend's Spring application starts: on its own from {@code main}, or in a test or the
 * local federation with properties given as a map. No web server (the gRPC server is the service's
 * own) and no banner, set here rather than in an application.yaml, which would also configure any
 * other Spring application on the same class path.
 */
public final class ServiceLauncher {
  private ServiceLauncher() {}

  /**
   * Runs {@code application} on its own ({@code java -jar ...-exec.jar}), configured by environment
   * variables and mounted files; the management port is 8081 unless {@code MANAGEMENT_SERVER_PORT}
   * says otherwise.
   */
  public static void main(Class<?> application, String[] args) {
    SpringApplication spring = application(application);
    spring.setDefaultProperties(Map.of("management.server.port", "8081"));
    // every server thread (gRPC's, the management port's) is a daemon: without this the JVM
    // would end as soon as main returned
    spring.setKeepAlive(true);
    spring.run(args);
  }

  /**
   * Starts {@code application} with these properties (full keys) and, when given, a span processor
   * that receives its server spans.
   */
  public static ConfigurableApplicationContext start(
      Class<?> application, Map<String, Object> properties, SpanProcessor spans) {
    SpringApplication spring = application(application);
    spring.setDefaultProperties(properties);
    if (spans != null) {
      spring.addInitializers(
          context -> context.getBeanFactory().registerSingleton("spanProcessor", spans));
    }
    return spring.run();
  }

  /**
   * The properties ({@code <keyPrefix>.*}) of {@code nation}'s service on this machine: its signing
   * key in {@code dataDir} unless configured otherwise, its data in the PostgreSQL at {@code
   * databaseJdbcUrl}, the audit stream and agreements in {@code auditRedis}, tokens of the realm
   * {@code issuer} checked with the keys at {@code jwks}, any free port. A mutable map: callers add
   * or override.
   */
  public static Map<String, Object> localProperties(
      String keyPrefix,
      String nation,
      Path dataDir,
      String databaseJdbcUrl,
      URI auditRedis,
      URI issuer,
      URI jwks) {
    Map<String, Object> properties = new HashMap<>();
    properties.put(keyPrefix + ".nation", nation);
    properties.put(keyPrefix + ".data-dir", dataDir.toString());
    properties.put(keyPrefix + ".database.url", databaseJdbcUrl);
    properties.put(keyPrefix + ".audit-redis", auditRedis.toString());
    properties.put(keyPrefix + ".auth.issuer", issuer.toString());
    properties.put(keyPrefix + ".auth.jwks-uri", jwks.toString());
    return properties;
  }

  /**
   * Mutual TLS ({@code <keyPrefix>.tls.*}): the service's {@code certificate} and PKCS#8 {@code
   * privateKey} (PEM), and the {@code clientAuthority} that issued the gateways' client
   * certificates; only a certificate named {@code allied-gateway} gets an answer.
   */
  public static void addTls(
      String keyPrefix,
      Map<String, Object> properties,
      Path certificate,
      Path privateKey,
      Path clientAuthority) {
    properties.put(keyPrefix + ".tls.certificate", certificate.toString());
    properties.put(keyPrefix + ".tls.private-key", privateKey.toString());
    properties.put(keyPrefix + ".tls.client-authority", clientAuthority.toString());
  }

  private static SpringApplication application(Class<?> application) {
    SpringApplication spring = new SpringApplication(application);
    // the service's own class in "Starting ..." and its logger, not this launcher it calls
    spring.setMainApplicationClass(application);
    spring.setWebApplicationType(WebApplicationType.NONE);
    spring.setBannerMode(Banner.Mode.OFF);
    return spring;
  }
}
