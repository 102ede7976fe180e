package org.alliedexchange.auditstream;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.alliedexchange.api.audit.v1.AuditEvent;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.XAddParams;

/**
 * Appends audit events to the stream. {@link #append} returns only once the entry is durable as its
 * {@link AuditDurability} says (Redis took it; replicated, replicas acknowledged it too) and throws
 * otherwise: callers treat a throw as "not audited" and refuse what they were about to do.
 */
public final class AuditStreamWriter implements AutoCloseable {

  private static final byte[] TYPE = AuditStream.TYPE_FIELD.getBytes(StandardCharsets.UTF_8);
  private static final byte[] EVENT = AuditStream.EVENT_FIELD.getBytes(StandardCharsets.UTF_8);

  private final RedisClient redis;
  private final byte[] key;
  private final AuditDurability durability;

  private AuditStreamWriter(RedisClient redis, String key, AuditDurability durability) {
    this.redis = redis;
    this.key = key.getBytes(StandardCharsets.UTF_8);
    this.durability = durability;
  }

  /**
   * A writer to the Redis at {@code redisUrl} (redis://host:port), failing any call after {@code
   * timeout}.
   */
  public static AuditStreamWriter connect(URI redisUrl, String key, Duration timeout) {
    return connect(redisUrl, key, timeout, AuditDurability.FSYNC);
  }

  /**
   * As {@link #connect(URI, String, Duration)}, each entry durable as {@code durability} says; the
   * wait for replicas must be shorter than {@code timeout}.
   */
  public static AuditStreamWriter connect(
      URI redisUrl, String key, Duration timeout, AuditDurability durability) {
    durability.requireShorterThan(timeout);
    RedisClient client = RedisConnections.connect(redisUrl, timeout);
    return new AuditStreamWriter(
        client, key == null || key.isBlank() ? AuditStream.DEFAULT_KEY : key, durability);
  }

  /**
   * Appends one event; returns its stream entry id. Throws when Redis does not take it, and {@link
   * UnstorableAuditEvent} (writing nothing) when the audit service would not store it.
   */
  public String append(AuditEvent event) {
    AuditEventRules.require(event);
    Map<byte[], byte[]> entry =
        Map.of(TYPE, typeOf(event).getBytes(StandardCharsets.UTF_8), EVENT, event.toByteArray());
    if (!durability.waitsForReplicas()) {
      return new String(redis.xadd(key, XAddParams.xAddParams(), entry), StandardCharsets.UTF_8);
    }
    Response<byte[]> id;
    Response<Long> acknowledged;
    // one connection, so WAIT counts the replicas holding this entry
    try (AbstractPipeline pipeline = redis.pipelined()) {
      id = pipeline.xadd(key, XAddParams.xAddParams(), entry);
      acknowledged =
          pipeline.waitReplicas(key, durability.replicas(), durability.waitTimeout().toMillis());
      pipeline.sync();
    }
    String entryId = new String(id.get(), StandardCharsets.UTF_8);
    durability.requireAcknowledged(acknowledged.get());
    return entryId;
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
