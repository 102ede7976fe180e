package org.alliedexchange.federationstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.devservers.LocalRedis.User;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;

/**
 * Redis over TLS with the federation's CA (the embedded redis-server 6.2 is built with TLS): a
 * component reaches it over rediss://; plaintext, and a client trusting another CA, are refused.
 */
class RedisTlsIT {

  static Path dir;
  static LocalRedis redis;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-redis-tls-");
    FederationCertificates ca = FederationCertificates.openOrCreate(dir.resolve("ca"));
    redis =
        LocalRedis.start(
            dir.resolve("redis"), 0, ca.issue("redis", FederationCertificates.Use.SERVER));
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  @Test
  void aComponentWritesAndTheOperatorReadsOverTls() {
    URI url = redis.url(User.IDENTITY_LISTENER);
    assertThat(url.getScheme()).isEqualTo("rediss");
    // the only key the listener may append to
    String stream = AuditWriter.identity().streamKey();

    try (RedisClient listener = RedisConnections.connect(url, Duration.ofSeconds(2));
        RedisClient operator = RedisConnections.connect(redis.url(), Duration.ofSeconds(2))) {
      listener.xadd(stream, XAddParams.xAddParams(), Map.of("type", "identity_changed"));

      assertThat(operator.xlen(stream)).isEqualTo(1);
    }
  }

  @Test
  void aPlaintextConnectionToTheTlsPortIsRefused() {
    URI tls = redis.url(User.GATEWAY);
    URI plain = URI.create("redis://" + tls.getRawUserInfo() + "@127.0.0.1:" + redis.port());

    try (RedisClient client = RedisConnections.connect(plain, Duration.ofSeconds(2))) {
      assertThatThrownBy(() -> client.get("allied:agreements:version"))
          .isInstanceOf(JedisException.class);
    }
  }

  @Test
  void aClientTrustingAnotherAuthorityRefusesTheServer() {
    FederationCertificates other = FederationCertificates.openOrCreate(dir.resolve("other-ca"));
    URI tls = redis.url(User.GATEWAY);
    URI wrongCa =
        URI.create(
            "rediss://"
                + tls.getRawUserInfo()
                + "@127.0.0.1:"
                + redis.port()
                + "?cacert="
                + other.authority().toAbsolutePath());

    try (RedisClient client = RedisConnections.connect(wrongCa, Duration.ofSeconds(2))) {
      assertThatThrownBy(() -> client.get("allied:agreements:version"))
          .isInstanceOf(JedisException.class)
          .hasStackTraceContaining("SSLHandshakeException");
    }
  }
}
