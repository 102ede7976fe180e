package org.alliedexchange.hotline;

import io.opentelemetry.sdk.trace.SpanProcessor;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.alliedexchange.hotline.config.HotlineConfiguration;
import org.alliedexchange.serviceruntime.RunningService;
import org.alliedexchange.serviceruntime.ServiceLauncher;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * One nation's hotline node. Configure with {@code allied.hotline.*} (see HotlineProperties), e.g.
 * {@code --allied.hotline.nation=KOR}.
 */
@SpringBootConfiguration
@Import(HotlineConfiguration.class)
public class HotlineServiceApplication {

  private static final String KEYS = "allied.hotline";

  /**
   * The properties of {@code nation}'s hotline node on this machine: its signing key in {@code
   * dataDir} (unless {@code allied.hotline.signing-key-file} names the exchange service's), its
   * conferences in the PostgreSQL at {@code databaseJdbcUrl}, the audit stream and agreements in
   * {@code auditRedis}, tokens of the realm {@code issuer} checked with the keys at {@code jwks},
   * any free port. A mutable map: callers add or override (the gateway and relay client above all).
   */
  public static Map<String, Object> localProperties(
      String nation, Path dataDir, String databaseJdbcUrl, URI auditRedis, URI issuer, URI jwks) {
    return ServiceLauncher.localProperties(
        KEYS, nation, dataDir, databaseJdbcUrl, auditRedis, issuer, jwks);
  }

  /**
   * Mutual TLS: the node's {@code certificate} and PKCS#8 {@code privateKey} (PEM), and the {@code
   * clientAuthority} that issued the gateways' client certificates; only a certificate named {@code
   * allied-gateway} gets an answer.
   */
  public static void addTls(
      Map<String, Object> properties, Path certificate, Path privateKey, Path clientAuthority) {
    ServiceLauncher.addTls(KEYS, properties, certificate, privateKey, clientAuthority);
  }

  /**
   * Run on its own ({@code java -jar hotline-service-<version>-exec.jar}), configured by
   * environment variables ({@code ALLIED_HOTLINE_NATION}, ...) and mounted files; the management
   * port is 8081 unless {@code MANAGEMENT_SERVER_PORT} says otherwise.
   */
  public static void main(String[] args) {
    ServiceLauncher.main(HotlineServiceApplication.class, args);
  }

  /** A running node; the tests and the local federation start it through {@link #start}. */
  public static final class Running extends RunningService {
    Running(ConfigurableApplicationContext context) {
      super(context);
    }
  }

  /**
   * Starts one with these {@code allied.hotline.*} properties (full keys) and, when given, a span
   * processor that receives its server spans.
   */
  public static Running start(Map<String, Object> properties, SpanProcessor spans) {
    return new Running(ServiceLauncher.start(HotlineServiceApplication.class, properties, spans));
  }
}
