package org.alliedexchange.auditstream;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Notices that an identity changed, for the gateways to act on at once: a Redis stream ({@value
 * #KEY}) whose entries name the principal whose tokens no longer say who it is (a system's client
 * id, a person's username, or {@value #EVERYONE}) and when the change was made. A token of that
 * principal issued in that second or before no longer counts, and its open streams end.
 *
 * <p>Keycloak's listener writes a notice before the change commits (if Redis does not take it, the
 * change does not happen) and again once it has committed; each gateway reads the stream every few
 * hundred milliseconds.
 */
public final class IdentityChangeNotices implements AutoCloseable {

  /** The stream's key. */
  public static final String KEY = "allied:identity-changes";

  /** The principal of a notice about every identity (a change to the realm, a role, a group). */
  public static final String EVERYONE = "*";

  static final String PRINCIPAL_FIELD = "principal";
  static final String NATION_FIELD = "nation";
  static final String AT_FIELD = "at";
  // a gateway reads every few hundred ms and reads the whole stream only when it starts
  private static final long KEPT = 10_000;

  /**
   * One notice.
   *
   * @param id the stream entry's id, to read on after
   * @param principal a client id, a username, or {@link #EVERYONE}
   * @param nation the principal's nation when known, else empty
   * @param atMillis when the change was made (epoch milliseconds, the writer's clock)
   */
  public record Notice(String id, String principal, String nation, long atMillis) {

    /** The latest token issue second ({@code iat}) this notice revokes. */
    public long revokesThroughSecond() {
      return Math.floorDiv(atMillis, 1000L);
    }
  }

  private final RedisClient redis;

  private IdentityChangeNotices(RedisClient redis) {
    this.redis = redis;
  }

  /** Notices in the Redis at {@code redisUrl}, every call failing after {@code timeout}. */
  public static IdentityChangeNotices connect(URI redisUrl, Duration timeout) {
    return new IdentityChangeNotices(RedisConnections.connect(redisUrl, timeout));
  }

  /** Writes a notice; returns only once Redis has taken it, throws otherwise. */
  public String announce(String principal, String nation, long atMillis) {
    return redis
        .xadd(
            KEY,
            XAddParams.xAddParams().maxLen(KEPT).approximateTrimming(),
            Map.of(
                PRINCIPAL_FIELD,
                principal,
                NATION_FIELD,
                nation == null ? "" : nation,
                AT_FIELD,
                Long.toString(atMillis)))
        .toString();
  }

  /**
   * Up to {@code count} notices after the entry {@code afterId} ({@code "0-0"} for the first),
   * oldest first.
   */
  public List<Notice> after(String afterId, int count) {
    List<Notice> notices = new ArrayList<>();
    for (StreamEntry entry : redis.xrange(KEY, "(" + afterId, "+", count)) {
      Map<String, String> fields = entry.getFields();
      String principal = fields.get(PRINCIPAL_FIELD);
      long at;
      try {
        at = Long.parseLong(fields.getOrDefault(AT_FIELD, ""));
      } catch (NumberFormatException e) {
        // an entry this code did not write: it cannot say when, so it revokes everything until now
        at = System.currentTimeMillis();
        principal = EVERYONE;
      }
      notices.add(
          new Notice(
              entry.getID().toString(),
              principal == null || principal.isEmpty() ? EVERYONE : principal,
              fields.getOrDefault(NATION_FIELD, ""),
              at));
    }
    return notices;
  }

  @Override
  public void close() {
    redis.close();
  }
}
