package org.alliedexchange.gateway;

import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.ReleasabilityAmended;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.auditstream.AuditDurability;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * The guard in the replicated durability mode: the audit Redis fsyncs once a second and a message
 * leaves only once a replica acknowledged its record ({@code WAIT}); with the replica gone, nothing
 * leaves.
 */
class ReplicatedAuditIT {

  static final List<String> ALL = List.of("KOR", "JPN", "USA");

  static GatewayFixture fixture;
  static LocalRedis replica;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    fixture =
        new GatewayFixture(
            Map.of(
                "allied.gateway.audit.durability.mode", "replicated",
                "allied.gateway.audit.durability.replicas", "1",
                "allied.gateway.audit.durability.wait-timeout", "300ms"),
            LocalRedis::startWithFsyncEverySecond);
    replica = fixture.redis.startReplica(fixture.dir.resolve("replica"));
    awaitReplicaInSync();
    replica.stop();
    channel = fixture.channel();
  }

  /**
   * Until the replica holds the primary's data and has written its own append-only file: a replica
   * whose first AOF rewrite after a sync still runs refuses to shut down ("Writing initial AOF,
   * can't exit") and would be killed only after LocalRedis's grace.
   */
  private static void awaitReplicaInSync() {
    try (RedisClient copy = RedisConnections.connect(replica.url(), Duration.ofSeconds(2))) {
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(
              () ->
                  copy.info("replication").contains("master_link_status:up")
                      && copy.info("persistence").contains("aof_rewrite_in_progress:0")
                      && copy.info("persistence").contains("aof_rewrite_scheduled:0"));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    fixture.close();
    replica.close();
  }

  @Test
  void aReleasedMessagesRecordIsOnTheReplicaAndWithTheReplicaDownNothingIsReleased() {
    replica.restart();
    awaitReplicaInSync();
    String id = GatewayFixture.newId();
    fixture.kor.script("Get", List.of(secretForAll(id)));

    GetResponse released = get(id);

    String transfer = released.getLabel().getRelease().getTransferId();
    // WAIT answered, so the replica holds the record already: no waiting here
    assertThat(AuditStreamReader.readAll(replica.url(), AuditStream.DEFAULT_KEY))
        .extracting(AuditEvent::getEventId)
        .contains(transfer);

    replica.stop();
    String unreplicated = GatewayFixture.newId();
    fixture.kor.script("Get", List.of(secretForAll(unreplicated)));

    assertThatThrownBy(() -> get(unreplicated))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription())
                  .contains("the audit stream did not take the record of this transfer")
                  .contains("0 of the 1 replica(s) required acknowledged the audit record");
            });
  }

  /**
   * The exchange services' writer ({@code allied.exchange.audit-durability.*}), as the exchange
   * service's Redis user: an amendment's record is on the replica when {@code append} returns, and
   * with the replica down {@code append} throws, so the amendment is not made.
   */
  @Test
  void aServicesRecordIsOnTheReplicaAndWithTheReplicaDownTheWriteFails() {
    replica.restart();
    awaitReplicaInSync();
    try (AuditStreamWriter writer =
        AuditStreamWriter.connect(
            fixture.redis.url(LocalRedis.User.EXCHANGE, "KOR"),
            AuditWriter.exchange("KOR").streamKey(),
            Duration.ofSeconds(2),
            AuditDurability.replicated(1, Duration.ofMillis(300)))) {
      AuditEvent amended = amendment();
      writer.append(amended);

      assertThat(AuditStreamReader.readAll(replica.url(), AuditWriter.exchange("KOR").streamKey()))
          .extracting(AuditEvent::getEventId)
          .contains(amended.getEventId());

      replica.stop();
      assertThatThrownBy(() -> writer.append(amendment()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("0 of the 1 replica(s) required acknowledged the audit record within 300ms");
    }
  }

  private static AuditEvent amendment() {
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
        .setSource("exchange-service/KOR")
        .setReleasabilityAmended(
            ReleasabilityAmended.newBuilder()
                .setProductId(GatewayFixture.newId())
                .setOriginator("KOR")
                .addPreviousReleasableTo("KOR")
                .addReleasableTo("JPN")
                .setJustification("shared with JPN after review"))
        .build();
  }

  private GetResponse get(String id) {
    return fixture
        .stub(channel, "KOR", fixture.reader("USA", "SECRET", List.of("MISSILE_WARNING")))
        .get(GetRequest.newBuilder().setProductId(id).build());
  }

  private static byte[] secretForAll(String id) {
    return fixture.getResponse(
        GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(), id);
  }
}
