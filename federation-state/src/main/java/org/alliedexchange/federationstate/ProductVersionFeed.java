package org.alliedexchange.federationstate;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alliedexchange.auditstream.RedisConnections;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The newest signed versions of amended products that the gateways have seen, shared through a
 * Redis stream ({@value #KEY}): each gateway appends the versions it learns, in batches, and reads
 * the others', so neither another replica nor a restart forgets that a product was amended. A
 * version in this stream only ever makes a gateway withhold more; the gateways' own checks of the
 * signature decide what is released.
 */
public final class ProductVersionFeed implements AutoCloseable {

  /** The stream's key. */
  public static final String KEY = "allied:product-versions";

  static final String NATION_FIELD = "nation";
  static final String PRODUCT_FIELD = "product";
  static final String VERSION_FIELD = "version";
  // amendments are rare: this many is months of them, read once by a starting gateway
  private static final long KEPT = 100_000;

  /** One entry: {@code id} is the stream entry's, to read on after. */
  public record Entry(String id, String nation, String productId, long version) {}

  private final RedisClient redis;

  private ProductVersionFeed(RedisClient redis) {
    this.redis = redis;
  }

  /** The feed in the Redis at {@code redisUrl}, every call failing after {@code timeout}. */
  public static ProductVersionFeed connect(URI redisUrl, Duration timeout) {
    return new ProductVersionFeed(RedisConnections.connect(redisUrl, timeout));
  }

  /** Appends versions in one pipelined round trip; throws when Redis does not take them. */
  public void append(List<Entry> versions) {
    if (versions.isEmpty()) {
      return;
    }
    try (AbstractPipeline pipeline = redis.pipelined()) {
      for (Entry version : versions) {
        pipeline.xadd(
            KEY,
            XAddParams.xAddParams().maxLen(KEPT).approximateTrimming(),
            Map.of(
                NATION_FIELD,
                version.nation(),
                PRODUCT_FIELD,
                version.productId(),
                VERSION_FIELD,
                Long.toString(version.version())));
      }
      pipeline.sync();
    }
  }

  /**
   * Up to {@code count} entries after the entry {@code afterId} ({@code "0-0"} for the first),
   * oldest first; an entry this code did not write reads as version 0, which no gateway heeds.
   */
  public List<Entry> after(String afterId, int count) {
    List<Entry> entries = new ArrayList<>();
    for (StreamEntry entry : redis.xrange(KEY, "(" + afterId, "+", count)) {
      Map<String, String> fields = entry.getFields();
      long version;
      try {
        version = Long.parseLong(fields.getOrDefault(VERSION_FIELD, ""));
      } catch (NumberFormatException e) {
        version = 0;
      }
      entries.add(
          new Entry(
              entry.getID().toString(),
              fields.getOrDefault(NATION_FIELD, ""),
              fields.getOrDefault(PRODUCT_FIELD, ""),
              version));
    }
    return entries;
  }

  @Override
  public void close() {
    redis.close();
  }
}
