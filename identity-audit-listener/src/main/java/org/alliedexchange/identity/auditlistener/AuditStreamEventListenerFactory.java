package org.alliedexchange.identity.auditlistener;

import java.net.URI;
import java.time.Duration;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.auditstream.IdentityChangeNotices;
import org.alliedexchange.auditstream.RedisConnections;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/**
 * Registers the {@value #ID} event listener. Enable it on a realm ({@code eventsListeners}) and
 * point it at the audit stream's Redis with the environment variable {@code ALLIED_AUDIT_REDIS_URL}
 * (or the SPI option {@code redis-url}), holding the listener's own Redis ACL user and password
 * (never logged); it appends to {@code <base>:identity}, the base key {@code allied:audit} unless
 * {@code ALLIED_AUDIT_STREAM} (or the SPI option {@code stream}) says otherwise.
 *
 * <p>Without a Redis URL the listener refuses every identity change it sees: an identity change
 * that cannot be audited, or announced to the gateways ({@link IdentityChangeNotices}), must not
 * happen.
 */
public final class AuditStreamEventListenerFactory implements EventListenerProviderFactory {

  public static final String ID = "allied-audit";
  private static final Logger LOG = Logger.getLogger(AuditStreamEventListenerFactory.class);

  private volatile AuditStreamWriter writer;
  private volatile IdentityChangeNotices notices;
  private String configurationProblem;

  @Override
  public String getId() {
    return ID;
  }

  @Override
  public void init(Config.Scope config) {
    String url =
        firstNonBlank(
            System.getenv(AuditStream.REDIS_URL_ENV),
            config.get("redis-url"),
            config.get("redisUrl"));
    // the federation's base key: the listener appends to its own stream under it, the only one its
    // Redis user may write
    String key =
        AuditWriter.identity()
            .streamKey(
                firstNonBlank(
                    System.getenv(AuditStream.STREAM_KEY_ENV),
                    config.get("stream"),
                    AuditStream.DEFAULT_KEY));
    if (url == null) {
      configurationProblem =
          "no Redis for the audit stream: set "
              + AuditStream.REDIS_URL_ENV
              + "=redis://identity-listener:<password>@host:port (or rediss://...?cacert=ca.pem)";
      LOG.error(ID + ": " + configurationProblem + "; identity changes will be refused");
      return;
    }
    // the URL holds the listener's Redis password: only its redacted form is ever printed
    String printable = RedisConnections.redacted(url);
    try {
      URI redis = URI.create(url);
      RedisConnections.check(redis, AuditStream.REDIS_URL_ENV);
      writer = AuditStreamWriter.connect(redis, key, Duration.ofSeconds(3));
      notices = IdentityChangeNotices.connect(redis, Duration.ofSeconds(3));
      LOG.infof("%s: writing identity changes to stream %s at %s", ID, key, printable);
    } catch (RuntimeException e) {
      configurationProblem =
          "cannot use "
              + printable
              + " for the audit stream: "
              + (e.getMessage() == null ? "" : e.getMessage().replace(url, printable));
      LOG.error(ID + ": " + configurationProblem);
    }
  }

  @Override
  public EventListenerProvider create(KeycloakSession session) {
    return new AuditStreamEventListener(session, writer, notices, configurationProblem);
  }

  @Override
  public void postInit(KeycloakSessionFactory factory) {}

  @Override
  public void close() {
    AuditStreamWriter current = writer;
    if (current != null) {
      current.close();
    }
    IdentityChangeNotices currentNotices = notices;
    if (currentNotices != null) {
      currentNotices.close();
    }
  }

  private static String firstNonBlank(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }
}
