package org.alliedexchange.federationstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.policy.AgreementStatus;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * The agreement board against a real Redis: changes reach every replica, and a status it cannot
 * trust stops releases.
 */
class AgreementBoardIT {

  private static final String GSOMIA = "KOR-JPN-GSOMIA-2016";
  private static final Duration WITHIN = Duration.ofSeconds(5);

  static LocalRedis redis;
  static RedisClient client;
  String stream;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("allied-agreements-");
    redis = LocalRedis.start(dir.resolve("redis"));
    client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2));
  }

  @AfterAll
  static void stop() {
    client.close();
    redis.close();
  }

  @BeforeEach
  void clean() {
    client.flushAll();
    stream = "allied:audit:" + UUID.randomUUID();
  }

  private AgreementBoard board(Federation federation) {
    return new AgreementBoard(federation, redis.url(), stream, Clock.systemUTC());
  }

  private static boolean inForce(AgreementBoard board) {
    return board.engine().federation().agreement(GSOMIA).inForceAt(Instant.now());
  }

  @Test
  void aSuspensionIsAuditedAndReachesEveryReplicaAndSoDoesTheResumption() {
    try (AgreementBoard first = board(FederationConfig.loadDefault());
        AgreementBoard second = board(FederationConfig.loadDefault())) {
      assertThat(first.problem()).isNull();
      AgreementBoard.View suspended = first.suspend(GSOMIA, "federation-admin", "missile test");
      assertThat(suspended.status()).isEqualTo(AgreementStatus.SUSPENDED);
      assertThat(suspended.changedBy()).isEqualTo("federation-admin");
      assertThat(suspended.reason()).isEqualTo("missile test");
      assertThat(inForce(first)).isFalse();
      await().atMost(WITHIN).until(() -> !inForce(second));
      assertThat(second.agreements())
          .filteredOn(v -> v.agreement().id().equals(GSOMIA))
          .singleElement()
          .satisfies(v -> assertThat(v.status()).isEqualTo(AgreementStatus.SUSPENDED));
      assertThat(client.hget("allied:agreements", GSOMIA))
          .startsWith("SUSPENDED|")
          .endsWith("|federation-admin|missile test");

      assertThat(second.resume(GSOMIA, "federation-admin", "talks resumed").status())
          .isEqualTo(AgreementStatus.IN_FORCE);
      await().atMost(WITHIN).until(() -> inForce(first));

      assertThat(AuditStreamReader.readAll(redis.url(), stream))
          .extracting(AuditEvent::getAgreementStatusChanged)
          .extracting(
              c -> c.getPreviousStatus().name() + ">" + c.getStatus().name() + " " + c.getReason())
          .containsExactly(
              "AGREEMENT_STATUS_IN_FORCE>AGREEMENT_STATUS_SUSPENDED missile test",
              "AGREEMENT_STATUS_SUSPENDED>AGREEMENT_STATUS_IN_FORCE talks resumed");
    }
  }

  @Test
  void aChangeWhoseRecordTheAuditServiceWouldRefuseIsNotMadeAndNothingIsWritten() {
    try (AgreementBoard board = board(FederationConfig.loadDefault())) {
      long before = AuditStreamReader.readAll(redis.url(), stream).size();

      assertThatThrownBy(() -> board.suspend(GSOMIA, "federation-admin", "drill\u0000"))
          .isInstanceOf(org.alliedexchange.auditstream.UnstorableAuditEvent.class)
          .hasMessageContaining("NUL");

      assertThat(inForce(board)).isTrue();
      assertThat(client.hget("allied:agreements", GSOMIA)).isNull();
      assertThat(AuditStreamReader.readAll(redis.url(), stream)).hasSize((int) before);
    }
  }

  @Test
  void aChangeTheAgreementDoesNotAllowIsRefusedAndNothingIsWritten() {
    Federation federation =
        FederationConfig.loadDefault()
            .withAgreementStatus(
                GSOMIA, AgreementStatus.TERMINATED, Instant.parse("2025-01-01T00:00:00Z"));
    try (AgreementBoard board = board(federation)) {
      assertThatThrownBy(() -> board.suspend("NO-SUCH", "federation-admin", "x"))
          .isInstanceOf(AgreementBoard.ChangeRefused.class)
          .satisfies(e -> assertThat(((AgreementBoard.ChangeRefused) e).unknown()).isTrue())
          .hasMessageStartingWith("no agreement NO-SUCH; known: ");
      assertThatThrownBy(() -> board.suspend(GSOMIA, "federation-admin", "x"))
          .isInstanceOf(AgreementBoard.ChangeRefused.class)
          .satisfies(e -> assertThat(((AgreementBoard.ChangeRefused) e).unknown()).isFalse())
          .hasMessage(
              "agreement " + GSOMIA + " is terminated; it can be neither suspended nor resumed");
      assertThatThrownBy(() -> board.resume("KOR-USA-GSOMIA-1987", "federation-admin", "x"))
          .isInstanceOf(AgreementBoard.ChangeRefused.class)
          .hasMessage("agreement KOR-USA-GSOMIA-1987 is already IN_FORCE");
    }
    assertThat(client.exists("allied:agreements")).isFalse();
    assertThat(client.exists(stream)).isFalse();
  }

  @Test
  void aStoredStatusTheBoardCannotUseIsSkippedWithAnAlarmAndOtherDecisionsGoOn() {
    try (AgreementBoard board = board(FederationConfig.loadDefault())) {
      assertThat(board.problem()).isNull();
      client.hset("allied:agreements", GSOMIA, "TERMINATED|1772357400123|someone|by hand");
      client.incr("allied:agreements:version");
      await().atMost(WITHIN).until(() -> board.unusableOverrides().containsKey(GSOMIA));

      // decisions go on: the board is trusted, the other agreements decide as before
      assertThat(board.problem()).isNull();
      assertThat(board.unusableOverrides().get(GSOMIA)).contains("not TERMINATED");
      assertThat(
              board.engine().federation().agreement("KOR-USA-GSOMIA-1987").inForceAt(Instant.now()))
          .isTrue();
      // and nothing flows under the agreement whose status cannot be read
      assertThat(inForce(board)).isFalse();

      client.hdel("allied:agreements", GSOMIA);
      client.incr("allied:agreements:version");
      await().atMost(WITHIN).until(() -> board.unusableOverrides().isEmpty());
      assertThat(inForce(board)).isTrue();
      assertThat(board.problem()).isNull();
    }
  }

  @Test
  void aSuspensionTheConfigurationMakesCannotBeLiftedThroughTheBoard() {
    Federation federation =
        FederationConfig.loadDefault()
            .withAgreementStatus(
                GSOMIA, AgreementStatus.SUSPENDED, Instant.parse("2025-01-01T00:00:00Z"));
    try (AgreementBoard board = board(federation)) {
      assertThatThrownBy(() -> board.resume(GSOMIA, "kor-admin", "talks resumed"))
          .isInstanceOf(AgreementBoard.ChangeRefused.class)
          .satisfies(e -> assertThat(((AgreementBoard.ChangeRefused) e).unknown()).isFalse())
          .hasMessage(
              "agreement "
                  + GSOMIA
                  + " is suspended by the federation configuration; only a change of the"
                  + " configuration lifts that suspension");
      assertThat(client.hget("allied:agreements", GSOMIA)).isNull();

      // nor by a resumption written into Redis by hand
      client.hset(
          "allied:agreements", GSOMIA, "IN_FORCE|" + Instant.now().toEpochMilli() + "|x|by hand");
      client.incr("allied:agreements:version");
      await().atMost(WITHIN).until(() -> board.unusableOverrides().containsKey(GSOMIA));
      assertThat(inForce(board)).isFalse();
      assertThat(board.problem()).isNull();
    }
  }

  @Test
  void aChangeTheConfigurationsHistoryCannotFollowIsRefusedBeforeItIsWritten() {
    Instant termination = Instant.now().plus(Duration.ofDays(30));
    Federation federation =
        FederationConfig.loadDefault()
            .withAgreementStatus(GSOMIA, AgreementStatus.TERMINATED, termination);
    try (AgreementBoard board = board(federation)) {
      assertThatThrownBy(() -> board.suspend(GSOMIA, "kor-admin", "missile test"))
          .isInstanceOf(AgreementBoard.ChangeRefused.class)
          .satisfies(e -> assertThat(((AgreementBoard.ChangeRefused) e).invalid()).isTrue());
      assertThat(client.exists("allied:agreements")).isFalse();
      assertThat(client.exists(stream)).isFalse();

      // one such value in Redis (from a replica with another configuration) stalls nothing
      client.hset(
          "allied:agreements",
          GSOMIA,
          "SUSPENDED|" + Instant.now().toEpochMilli() + "|other-replica|drill");
      client.incr("allied:agreements:version");
      await().atMost(WITHIN).until(() -> board.unusableOverrides().containsKey(GSOMIA));
      assertThat(board.problem()).isNull();
      assertThat(board.unusableOverrides().get(GSOMIA)).contains("cannot follow this change");
    }
  }

  @Test
  void aStoredStatusForAnAgreementTheConfigurationDoesNotHoldIsIgnored() {
    client.hset("allied:agreements", "NO-SUCH", "SUSPENDED|1772357400123|someone|gone");
    client.incr("allied:agreements:version");
    try (AgreementBoard board = board(FederationConfig.loadDefault())) {
      assertThat(board.problem()).isNull();
      assertThat(inForce(board)).isTrue();
    }
  }
}
