package org.alliedexchange.auditstream;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.alliedexchange.api.audit.v1.AuditEvent;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.XAddParams;

/**
 * Appends audit events to the stream. {@link #append} returns only once Redis has taken the entry
 * and throws otherwise: callers treat a throw as "not audited" and refuse what they were about to
 * do.
 */
public final class AuditStreamWriter implements AutoCloseable {

  private static final byte[] TYPE = AuditStream.TYPE_FIELD.getBytes(StandardCharsets.UTF_8);
  private static final byte[] EVENT = AuditStream.EVENT_FIELD.getBytes(StandardCharsets.UTF_8);

  private final RedisClient redis;
  private final byte[] key;

  private AuditStreamWriter(RedisClient redis, String key) {
    this.redis = redis;
    this.key = key.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A writer to the Redis at {@code redisUrl} (redis://host:port), failing any call after {@code
   * timeout}.
   */
  public static AuditStreamWriter connect(URI redisUrl, String key, Duration timeout) {
    RedisClient client = RedisConnections.connect(redisUrl, timeout);
    return new AuditStreamWriter(
        client, key == null || key.isBlank() ? AuditStream.DEFAULT_KEY : key);
  }

  /**
   * Appends one event; returns its stream entry id. Throws when Redis does not take it, and {@link
   * UnstorableAuditEvent} (writing nothing) when the audit service would not store it.
   */
  public String append(AuditEvent event) {
    AuditEventRules.require(event);
    byte[] id =
        redis.xadd(
            key,
            XAddParams.xAddParams(),
            Map.of(
                TYPE, typeOf(event).getBytes(StandardCharsets.UTF_8),
                EVENT, event.toByteArray()));
    return new String(id, StandardCharsets.UTF_8);
  }

  /** The event's kind in words, e.g. "identity_changed". */
  public static String typeOf(AuditEvent event) {
    return event.getEventCase().name().toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() {
    redis.close();
  }
}
