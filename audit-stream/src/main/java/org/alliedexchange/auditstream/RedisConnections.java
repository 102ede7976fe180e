package org.alliedexchange.auditstream;

import java.net.URI;
import java.time.Duration;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

/** Jedis clients for the federation's Redis, every one with bounded connect and read timeouts. */
public final class RedisConnections {

  private RedisConnections() {}

  /**
   * A client for {@code url} (redis://host:port, port 6379 when absent) whose calls fail after
   * {@code timeout} instead of waiting on a Redis that does not answer.
   */
  public static RedisClient connect(URI url, Duration timeout) {
    if (url == null || url.getHost() == null || !"redis".equals(url.getScheme())) {
      throw new IllegalArgumentException("Redis needs a redis://host:port URL, not " + url);
    }
    int millis = (int) Math.max(1, timeout.toMillis());
    return RedisClient.builder()
        .hostAndPort(new HostAndPort(url.getHost(), url.getPort() < 0 ? 6379 : url.getPort()))
        .clientConfig(
            DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis)
                .socketTimeoutMillis(millis)
                .build())
        .build();
  }
}
