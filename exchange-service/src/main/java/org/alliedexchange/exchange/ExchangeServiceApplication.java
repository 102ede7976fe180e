package org.alliedexchange.exchange;

import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.Map;
import org.alliedexchange.exchange.config.ExchangeConfiguration;
import org.alliedexchange.serviceruntime.RunningService;
import org.alliedexchange.serviceruntime.ServiceLauncher;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * One nation's exchange service. Configure with {@code allied.exchange.*} (see ExchangeProperties),
 * e.g. {@code --allied.exchange.nation=KOR}.
 */
@SpringBootConfiguration
@Import(ExchangeConfiguration.class)
public class ExchangeServiceApplication {

  private static final String KEYS = "allied.exchange";

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
    return ServiceLauncher.localProperties(
        KEYS, nation, dataDir, database, auditRedis, issuer, jwks);
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
    ServiceLauncher.addTls(KEYS, properties, certificate, privateKey, clientAuthority);
  }

  /**
   * Run on its own ({@code java -jar exchange-service-<version>-exec.jar}), configured by
   * environment variables ({@code ALLIED_EXCHANGE_NATION}, ...) and mounted files; the management
   * port is 8081 unless {@code MANAGEMENT_SERVER_PORT} says otherwise.
   */
  public static void main(String[] args) {
    ServiceLauncher.main(ExchangeServiceApplication.class, args);
  }

  /** A running instance; the tests and the local federation start it through {@link #start}. */
  public static final class Running extends RunningService {
    Running(ConfigurableApplicationContext context) {
      super(context);
    }
  }

  /**
   * Starts one with these {@code allied.exchange.*} properties (full keys) and, when given, a span
   * processor that receives its server spans.
   */
  public static Running start(Map<String, Object> properties, SpanProcessor spans) {
    return new Running(ServiceLauncher.start(ExchangeServiceApplication.class, properties, spans));
  }
}
