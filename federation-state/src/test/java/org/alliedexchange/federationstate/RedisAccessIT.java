package org.alliedexchange.federationstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.devservers.LocalRedis.User;
import org.alliedexchange.policy.AgreementStatus;
import org.alliedexchange.policy.FederationConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadGroupParams;

/**
 * The federation's Redis as a neighbouring process and each component meet it: nothing without a
 * password, and each component's user only what that component needs (issue 14).
 */
class RedisAccessIT {

  private static final String GSOMIA = "KOR-JPN-GSOMIA-2016";
  private static final String STATUSES = "allied:agreements";
  private static final String VERSION = "allied:agreements:version";
  private static final String AUDIT = AuditStream.DEFAULT_KEY;

  static Path dir;
  static LocalRedis redis;
  static RedisClient operator;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-redis-access-");
    redis = LocalRedis.start(dir.resolve("redis"));
    operator = RedisConnections.connect(redis.url(), Duration.ofSeconds(2));
  }

  @AfterAll
  static void stop() {
    operator.close();
    redis.close();
  }

  @BeforeEach
  void clean() {
    operator.flushAll();
  }

  private static RedisClient as(User user) {
    return RedisConnections.connect(redis.url(user), Duration.ofSeconds(2));
  }

  private static RedisClient as(User user, String nation) {
    return RedisConnections.connect(redis.url(user, nation), Duration.ofSeconds(2));
  }

  /**
   * A compromised writer of the audit stream tries to append as another: each may append to its own
   * stream only, which is how the audit service knows who wrote a record.
   */
  @Test
  void eachWriterOfTheAuditStreamAppendsToItsOwnStreamOnly() {
    Map<String, String> entry = Map.of("type", "transfer");
    Map<AuditWriter, RedisClient> writers = new java.util.LinkedHashMap<>();
    writers.put(AuditWriter.gateway(), as(User.GATEWAY));
    writers.put(AuditWriter.identity(), as(User.IDENTITY_LISTENER));
    for (String nation : LocalRedis.NATIONS) {
      writers.put(AuditWriter.exchange(nation), as(User.EXCHANGE, nation));
      writers.put(AuditWriter.hotline(nation), as(User.HOTLINE, nation));
    }
    try {
      for (var writer : writers.entrySet()) {
        for (AuditWriter other : writers.keySet()) {
          String key = other.streamKey();
          if (other.equals(writer.getKey())) {
            writer.getValue().xadd(key, XAddParams.xAddParams(), entry);
          } else {
            assertThatThrownBy(
                    () -> writer.getValue().xadd(key, XAddParams.xAddParams(), entry),
                    writer.getKey() + " appending to " + key)
                .isInstanceOf(JedisException.class)
                .hasMessageContaining("NOPERM");
          }
        }
        // nor the dead letters, which only the audit service writes
        assertThatThrownBy(
                () -> writer.getValue().xadd(AUDIT + ":dead", XAddParams.xAddParams(), entry))
            .isInstanceOf(JedisException.class)
            .hasMessageContaining("NOPERM");
      }
      for (AuditWriter writer : writers.keySet()) {
        assertThat(operator.xlen(writer.streamKey())).as(writer.toString()).isEqualTo(1);
      }
    } finally {
      writers.values().forEach(RedisClient::close);
    }
  }

  @Test
  void aNeighbourWithoutAPasswordCannotResumeASuspendedAgreementNorWriteTheAuditStream() {
    try (AgreementBoard gateway =
        new AgreementBoard(
            FederationConfig.loadDefault(), redis.url(User.GATEWAY), AUDIT, Clock.systemUTC())) {
      gateway.suspend(GSOMIA, "federation-admin", "missile test");
    }
    String version = operator.get(VERSION);
    long entries = operator.xlen(AUDIT);

    try (RedisClient neighbour = RedisClient.create("127.0.0.1", redis.port())) {
      assertThatThrownBy(() -> neighbour.hdel(STATUSES, GSOMIA))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOAUTH");
      assertThatThrownBy(() -> neighbour.incr(VERSION))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOAUTH");
      assertThatThrownBy(() -> neighbour.xadd(AUDIT, XAddParams.xAddParams(), Map.of("type", "x")))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOAUTH");
    }
    assertThat(operator.hget(STATUSES, GSOMIA)).startsWith("SUSPENDED|");
    assertThat(operator.get(VERSION)).isEqualTo(version);
    assertThat(operator.xlen(AUDIT)).isEqualTo(entries);
  }

  @Test
  void aWrongPasswordIsRefusedAndTheRefusalDoesNotRepeatIt() {
    String url = redis.url(User.GATEWAY).toString();
    String wrong = url.replaceFirst("gateway:[^@]+@", "gateway:not-the-password@");

    try (RedisClient guesser =
        RedisConnections.connect(java.net.URI.create(wrong), Duration.ofSeconds(2))) {
      assertThatThrownBy(() -> guesser.get(VERSION))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("WRONGPASS")
          .hasMessageNotContaining("not-the-password");
    }
  }

  @Test
  void anExchangeServiceReadsAgreementsButCannotChangeThem() {
    try (AgreementBoard exchange =
            new AgreementBoard(
                FederationConfig.loadDefault(),
                redis.url(User.EXCHANGE, "KOR"),
                AuditWriter.exchange("KOR").streamKey(),
                Clock.systemUTC());
        RedisClient client = as(User.EXCHANGE, "KOR")) {
      assertThat(exchange.problem()).isNull();

      assertThatThrownBy(() -> exchange.suspend(GSOMIA, "kor-exchange", "not its to change"))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOPERM");
      assertThatThrownBy(() -> client.hset(STATUSES, GSOMIA, "SUSPENDED|0|x|y"))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOPERM");
      assertThatThrownBy(() -> client.incr(VERSION))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOPERM");
      assertThat(operator.hget(STATUSES, GSOMIA)).isNull();
      assertThat(exchange.engine().federation().agreement(GSOMIA).inForceAt(Instant.now()))
          .isTrue();
    }
  }

  @Test
  void theGatewaysChangeThroughTheAdminPathReachesAnExchangeServiceReadingAsItsOwnUser() {
    try (AgreementBoard gateway =
            new AgreementBoard(
                FederationConfig.loadDefault(), redis.url(User.GATEWAY), AUDIT, Clock.systemUTC());
        AgreementBoard exchange =
            new AgreementBoard(
                FederationConfig.loadDefault(),
                redis.url(User.EXCHANGE, "KOR"),
                AuditWriter.exchange("KOR").streamKey(),
                Clock.systemUTC())) {
      assertThat(gateway.suspend(GSOMIA, "federation-admin", "missile test").status())
          .isEqualTo(AgreementStatus.SUSPENDED);

      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> !exchange.engine().federation().agreement(GSOMIA).inForceAt(Instant.now()));
      assertThat(operator.xlen(AUDIT)).isEqualTo(1);
    }
  }

  @Test
  void theGatewayCannotReadTheStreamAsTheAuditServiceNorAcknowledgeTrimOrDeleteIt() {
    operator.xadd(AUDIT, XAddParams.xAddParams(), Map.of("type", "transfer"));
    operator.xgroupCreate(AUDIT, "audit-service", new StreamEntryID(0, 0), false);

    try (RedisClient gateway = as(User.GATEWAY)) {
      assertThatThrownBy(
              () ->
                  gateway.xreadGroup(
                      "audit-service",
                      "stolen",
                      XReadGroupParams.xReadGroupParams().count(10),
                      Map.of(AUDIT, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY)))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOPERM");
      assertThatThrownBy(() -> gateway.xack(AUDIT, "audit-service", new StreamEntryID(0, 1)))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOPERM");
      assertThatThrownBy(() -> gateway.del(AUDIT))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOPERM");
      assertThatThrownBy(() -> gateway.xtrim(AUDIT, 0, false))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOPERM");
    }
    assertThat(operator.xlen(AUDIT)).isEqualTo(1);
  }

  @Test
  void theAuditServiceConsumesTheStreamButCannotChangeAgreementsAndTheListenerOnlyAppends() {
    operator.xadd(AUDIT, XAddParams.xAddParams(), Map.of("type", "transfer"));
    try (RedisClient audit = as(User.AUDIT);
        RedisClient listener = as(User.IDENTITY_LISTENER)) {
      audit.xgroupCreate(AUDIT, "audit-service", new StreamEntryID(0, 0), false);
      var read =
          audit.xreadGroup(
              "audit-service",
              "audit-1",
              XReadGroupParams.xReadGroupParams().count(10),
              Map.of(AUDIT, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
      assertThat(read).singleElement().satisfies(e -> assertThat(e.getValue()).hasSize(1));
      assertThatThrownBy(() -> audit.hset(STATUSES, GSOMIA, "SUSPENDED|0|x|y"))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOPERM");

      listener.xadd("allied:identity-changes", XAddParams.xAddParams(), Map.of("principal", "*"));
      assertThatThrownBy(() -> listener.hdel(STATUSES, GSOMIA))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOPERM");
      assertThatThrownBy(() -> listener.xrange(AUDIT, (StreamEntryID) null, null))
          .isInstanceOf(JedisException.class)
          .hasMessageContaining("NOPERM");
    }
  }

  @Test
  void theAclFileIsReadableByItsOwnerOnlyAndHoldsNoPassword() throws Exception {
    Path acl = dir.resolve("redis").resolve("users.acl");
    String password = redis.url(User.GATEWAY).getUserInfo().split(":", 2)[1];

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(acl)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(acl)).contains("user default off").doesNotContain(password);
  }
}
