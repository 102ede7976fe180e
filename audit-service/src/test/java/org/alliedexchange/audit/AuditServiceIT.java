package org.alliedexchange.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.AgreementStatus;
import org.alliedexchange.api.audit.v1.AgreementStatusChanged;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.IdentityChanged;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.chain.ChainVerifier;
import org.alliedexchange.audit.query.RecordQuery;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.audit.store.ChainAudit;
import org.alliedexchange.audit.store.ComplianceReport;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;

/** The audit service against a real Redis and a real PostgreSQL. */
class AuditServiceIT {

  static Path dir;
  static LocalRedis redis;
  static TestTokens tokens;
  static final Map<String, LocalPostgres> databases = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-audit-");
    redis = LocalRedis.start(dir.resolve("redis"));
    tokens = new TestTokens();
  }

  @AfterAll
  static void stop() {
    databases.values().forEach(LocalPostgres::close);
    tokens.close();
    redis.close();
  }

  /** Each test has its own stream and database; restarts within a test keep them. */
  static Map<String, Object> properties(String stream, String consumer) {
    Path dataDir = dir.resolve(stream.replace(':', '-'));
    LocalPostgres postgres =
        databases.computeIfAbsent(stream, s -> LocalPostgres.start(dataDir.resolve("postgres")));
    Map<String, Object> properties =
        AuditServiceApplication.localProperties(
            dataDir, postgres.url(), redis.url(), tokens.issuer, tokens.jwks());
    properties.put("allied.audit.stream", stream);
    properties.put("allied.audit.consumer", consumer);
    properties.put("allied.audit.claim-idle", "1s");
    return TestPki.shared().serve(properties, "audit");
  }

  static Map<String, Object> properties(String stream, String consumer, Map<String, Object> more) {
    Map<String, Object> properties = properties(stream, consumer);
    properties.putAll(more);
    return properties;
  }

  static AuditEvent transfer(String originator, String recipient, Decision decision) {
    Instant now = Instant.now();
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setSource("gateway")
        .setOccurredAt(
            Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setTransfer(
            TransferRecord.newBuilder()
                .setTransferId(UUID.randomUUID().toString())
                .setDecision(decision)
                .setLabel(
                    SecurityLabel.newBuilder().setOriginator(originator).setPolicy(originator))
                .setRecipientNation(recipient)
                .setRecipientSystem(recipient.toLowerCase() + "-reader")
                .setProductId("p-" + originator))
        .build();
  }

  private static long count(DataSource data, String sql) throws SQLException {
    try (Connection connection = data.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static void awaitCount(DataSource data, String sql, long expected) throws Exception {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> count(data, sql) >= expected);
    assertThat(count(data, sql)).isEqualTo(expected);
  }

  @Test
  void everyEventOnTheStreamIsStoredOncePerRelationshipAndChained() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    List<AuditEvent> singles =
        List.of(
            transfer("KOR", "JPN", Decision.DECISION_PERMIT),
            transfer("JPN", "KOR", Decision.DECISION_DENY),
            AuditEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setSource("keycloak")
                .setIdentityChanged(
                    IdentityChanged.newBuilder().setNation("USA").setOperation("CREATE"))
                .build());
    List<AuditEvent> batch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batch.add(transfer("KOR", i % 2 == 0 ? "USA" : "JPN", Decision.DECISION_PERMIT));
    }
    try (AuditStreamWriter writer =
            AuditStreamWriter.connect(redis.url(), stream, Duration.ofSeconds(2));
        AuditStreamWriter keycloak =
            AuditStreamWriter.connect(
                redis.url(), AuditWriter.identity().streamKey(stream), Duration.ofSeconds(2));
        AuditBatchWriter batches =
            AuditBatchWriter.connect(redis.url(), stream, Duration.ofSeconds(2), 8, 100)) {
      // each on its writer's stream: the gateways' transfers, Keycloak's identity change
      singles.forEach(event -> (event.hasIdentityChanged() ? keycloak : writer).append(event));
      batches.append(batch).get();
      // at-least-once: the same event delivered twice is stored once
      writer.append(singles.get(0));
    }

    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream, "audit-a"))) {
      DataSource data = service.context().getBean(DataSource.class);
      AuditLog log = service.context().getBean(AuditLog.class);
      awaitCount(data, "SELECT count(*) FROM audit_record", 23);
      assertThat(count(data, "SELECT count(*) FROM audit_record WHERE relationship = 'JPN-KOR'"))
          .isEqualTo(12);
      assertThat(count(data, "SELECT count(*) FROM audit_record WHERE relationship = 'KOR-USA'"))
          .isEqualTo(10);
      assertThat(count(data, "SELECT count(*) FROM audit_record WHERE relationship = 'USA'"))
          .isEqualTo(1);
      assertThat(log.relationships()).containsExactly("JPN-KOR", "KOR-USA", "USA");
      for (String relationship : log.relationships()) {
        ChainVerifier.Result result = log.verify(relationship, null);
        assertThat(result.verified()).as(result.detail()).isTrue();
      }
      // everything acknowledged once stored: nothing pending in the group
      try (var client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2))) {
        assertThat(client.xpending(stream, "audit-service").getTotal()).isZero();
      }
    }
  }

  @Test
  void groupsQueuedTogetherShareEntriesOfAtMostTheBatchSizeWithEveryEventOnceInOrder()
      throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    int maxBatch = 8;
    List<List<AuditEvent>> groups = new ArrayList<>();
    for (int g = 0; g < 200; g++) {
      List<AuditEvent> group = new ArrayList<>();
      // mostly small groups, which queue behind a round in flight and share its entries; every
      // fiftieth larger than an entry may hold, which goes in an entry of its own
      int size = g % 50 == 49 ? maxBatch + 3 : 1 + g % 3;
      for (int e = 0; e < size; e++) {
        group.add(transfer("KOR", "JPN", Decision.DECISION_PERMIT));
      }
      groups.add(group);
    }
    try (AuditBatchWriter batches =
        AuditBatchWriter.connect(redis.url(), stream, Duration.ofSeconds(2), maxBatch, 1_000)) {
      List<java.util.concurrent.CompletableFuture<Void>> written = new ArrayList<>();
      for (List<AuditEvent> group : groups) {
        written.add(batches.append(group));
      }
      for (var done : written) {
        done.get();
      }
    }

    List<List<String>> entries = new ArrayList<>();
    try (var client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2))) {
      for (Object entry :
          client.xrange(
              stream.getBytes(StandardCharsets.UTF_8),
              "-".getBytes(StandardCharsets.UTF_8),
              "+".getBytes(StandardCharsets.UTF_8))) {
        List<?> fields = (List<?>) ((List<?>) entry).get(1);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i + 1 < fields.size(); i += 2) {
          for (byte[] event :
              org.alliedexchange.auditstream.AuditStream.eventBytes(
                  (byte[]) fields.get(i), (byte[]) fields.get(i + 1))) {
            ids.add(AuditEvent.parseFrom(event).getEventId());
          }
        }
        entries.add(ids);
      }
    }
    List<String> expected =
        groups.stream().flatMap(List::stream).map(AuditEvent::getEventId).toList();
    assertThat(entries.stream().flatMap(List::stream).toList())
        .as("every event on the stream once, in the order appended")
        .containsExactlyElementsOf(expected);
    assertThat(entries)
        .as("an entry exceeds the batch size only when one group alone does")
        .allSatisfy(ids -> assertThat(ids.size()).isLessThanOrEqualTo(maxBatch + 3));
    assertThat(entries.stream().filter(ids -> ids.size() > maxBatch))
        .allSatisfy(ids -> assertThat(ids).hasSize(maxBatch + 3))
        .hasSize(4);
    assertThat(entries)
        .as("groups queued behind a round share its entries")
        .hasSizeLessThan(groups.size());
  }

  @Test
  void aServiceKilledBeforeAcknowledgingLosesNothingAndDuplicatesNothing() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    List<AuditEvent> events = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      events.add(transfer("KOR", "JPN", Decision.DECISION_PERMIT));
    }
    // a consumer that read the entries and died before storing them: they sit pending with it
    try (var client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2));
        AuditStreamWriter writer =
            AuditStreamWriter.connect(redis.url(), stream, Duration.ofSeconds(2))) {
      events.forEach(writer::append);
      client.xgroupCreate(stream, "audit-service", new StreamEntryID(0, 0), true);
      client.xreadGroupBinary(
          "audit-service".getBytes(StandardCharsets.UTF_8),
          "audit-dead".getBytes(StandardCharsets.UTF_8),
          XReadGroupParams.xReadGroupParams().count(30),
          Map.of(
              stream.getBytes(StandardCharsets.UTF_8), StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
    }
    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream, "audit-b"))) {
      DataSource data = service.context().getBean(DataSource.class);
      // 20 read at once, 30 claimed from the dead consumer once idle
      awaitCount(
          data,
          "SELECT count(*) FROM audit_record WHERE relationship = 'JPN-KOR' AND event_id IN ("
              + String.join(",", events.stream().map(e -> "'" + e.getEventId() + "'").toList())
              + ")",
          50);
      assertThat(service.context().getBean(AuditLog.class).verify("JPN-KOR", null).verified())
          .isTrue();
    }
    // a restart reads everything again only if it was not acknowledged; nothing is stored twice
    // either way
    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream, "audit-b"))) {
      DataSource data = service.context().getBean(DataSource.class);
      String duplicates =
          "SELECT count(*) - count(DISTINCT (relationship, event_id)) FROM audit_record";
      // long enough for the restarted consumer to read and claim whatever it would
      await()
          .during(Duration.ofMillis(1_500))
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> count(data, duplicates) == 0);
      assertThat(count(data, duplicates)).isZero();
    }
  }

  @Test
  void theDatabaseRefusesToChangeOrRemoveRecordsAndTheChainCatchesWhoeverForcesIt()
      throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    try (AuditStreamWriter writer =
        AuditStreamWriter.connect(redis.url(), stream, Duration.ofSeconds(2))) {
      for (int i = 0; i < 5; i++) {
        writer.append(transfer("KOR", "USA", Decision.DECISION_PERMIT));
      }
    }
    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream, "audit-c"))) {
      DataSource data = service.context().getBean(DataSource.class);
      AuditLog log = service.context().getBean(AuditLog.class);
      awaitCount(data, "SELECT count(*) FROM audit_record WHERE relationship = 'KOR-USA'", 5);
      try (Connection connection = data.getConnection();
          Statement statement = connection.createStatement()) {
        assertThatThrownBy(
                () ->
                    statement.executeUpdate(
                        "UPDATE audit_record SET recipient = 'JPN' WHERE relationship = 'KOR-USA'"))
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("append-only");
        assertThatThrownBy(
                () ->
                    statement.executeUpdate(
                        "DELETE FROM audit_record WHERE relationship = 'KOR-USA'"))
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("append-only");
        assertThatThrownBy(() -> statement.executeUpdate("TRUNCATE audit_record"))
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("append-only");
        // a superuser who switches the guard off can change a record, but not without the chain
        // showing it
        statement.execute("ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only");
        statement.executeUpdate(
            "UPDATE audit_record SET event = event || '\\x00'::bytea WHERE relationship = 'KOR-USA' AND sequence = 3");
        statement.execute("ALTER TABLE audit_record ENABLE TRIGGER audit_record_append_only");
      }
      ChainVerifier.Result result = log.verify("KOR-USA", null);
      assertThat(result.verified()).isFalse();
      assertThat(result.firstBad()).isEqualTo(3);
    }
  }

  @Test
  void signedCheckpointsCatchRecordsRemovedFromTheEndAndAForgedCheckpointIsRefused()
      throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    try (AuditStreamWriter writer =
        AuditStreamWriter.connect(redis.url(), stream, Duration.ofSeconds(2))) {
      for (int i = 0; i < 6; i++) {
        writer.append(transfer("JPN", "USA", Decision.DECISION_PERMIT));
      }
    }
    Map<String, Object> properties = properties(stream, "audit-d");
    properties.put("allied.audit.checkpoint-every", "200ms");
    try (AuditServiceApplication.Running service = AuditServiceApplication.start(properties)) {
      DataSource data = service.context().getBean(DataSource.class);
      ChainAudit audit = service.context().getBean(ChainAudit.class);
      awaitCount(data, "SELECT count(*) FROM audit_record WHERE relationship = 'JPN-USA'", 6);
      awaitCount(
          data,
          "SELECT count(*) FROM checkpoint WHERE relationship = 'JPN-USA' AND sequence = 6",
          1);
      assertThat(audit.verify("JPN-USA").verified()).isTrue();
      assertThat(audit.verify("JPN-USA").detail()).contains("against the checkpoint at record 6");

      try (Connection connection = data.getConnection();
          Statement statement = connection.createStatement()) {
        assertThatThrownBy(() -> statement.executeUpdate("DELETE FROM checkpoint"))
            .hasMessageContaining("append-only");
        // a superuser removes the last two records: the chain alone still looks whole
        statement.execute("ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only");
        statement.executeUpdate(
            "DELETE FROM audit_record WHERE relationship = 'JPN-USA' AND sequence > 4");
        statement.execute("ALTER TABLE audit_record ENABLE TRIGGER audit_record_append_only");
      }
      assertThat(service.context().getBean(AuditLog.class).verify("JPN-USA", null).verified())
          .isTrue();
      ChainVerifier.Result truncated = audit.verify("JPN-USA");
      assertThat(truncated.verified()).isFalse();
      assertThat(truncated.firstBad()).isEqualTo(5);
      assertThat(truncated.detail()).contains("removed from the end");

      // and a checkpoint written to match the truncated chain does not carry the service's
      // signature
      try (Connection connection = data.getConnection();
          var insert =
              connection.prepareStatement(
                  "INSERT INTO checkpoint (relationship, sequence, head_hash, issued_at, key_id, signature)"
                      + " SELECT relationship, 7, hash, now(), 'forged', '\\x00'::bytea FROM audit_record WHERE relationship = 'JPN-USA' AND sequence = 4")) {
        insert.executeUpdate();
      }
      ChainVerifier.Result forged = audit.verify("JPN-USA");
      assertThat(forged.verified()).isFalse();
      assertThat(forged.detail()).contains("does not carry the audit service's signature");
    }
  }

  @Test
  void theComplianceReportCountsEachWayAndListsTheChanges() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    try (AuditStreamWriter writer =
        AuditStreamWriter.connect(redis.url(), stream, Duration.ofSeconds(2))) {
      for (int i = 0; i < 3; i++) {
        writer.append(
            withLevel(
                transfer("KOR", "JPN", Decision.DECISION_PERMIT),
                ClassificationLevel.CLASSIFICATION_LEVEL_SECRET));
      }
      for (int i = 0; i < 2; i++) {
        AuditEvent denied =
            withLevel(
                transfer("JPN", "KOR", Decision.DECISION_DENY),
                ClassificationLevel.CLASSIFICATION_LEVEL_CONFIDENTIAL);
        writer.append(
            denied.toBuilder()
                .setTransfer(
                    denied.getTransfer().toBuilder()
                        .addReasons(DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION))
                .build());
      }
      Instant now = Instant.now();
      Timestamp at = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).build();
      writer.append(
          AuditEvent.newBuilder()
              .setEventId(UUID.randomUUID().toString())
              .setOccurredAt(at)
              .setSource("gateway")
              .setAgreementStatusChanged(
                  AgreementStatusChanged.newBuilder()
                      .setAgreementId("KOR-JPN-GSOMIA-2016")
                      .addParties("KOR")
                      .addParties("JPN")
                      .setPreviousStatus(AgreementStatus.AGREEMENT_STATUS_IN_FORCE)
                      .setStatus(AgreementStatus.AGREEMENT_STATUS_SUSPENDED)
                      .setEffectiveAt(at)
                      .setChangedBy("federation-admin")
                      .setReason("test"))
              .build());
      try (AuditStreamWriter keycloak =
          AuditStreamWriter.connect(
              redis.url(), AuditWriter.identity().streamKey(stream), Duration.ofSeconds(2))) {
        keycloak.append(
            AuditEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(at)
                .setSource("keycloak")
                .setIdentityChanged(
                    IdentityChanged.newBuilder().setNation("KOR").setOperation("CREATE"))
                .build());
      }
    }
    Map<String, Object> properties = properties(stream, "audit-e");
    properties.put("allied.audit.checkpoint-every", "200ms");
    try (AuditServiceApplication.Running service = AuditServiceApplication.start(properties)) {
      DataSource data = service.context().getBean(DataSource.class);
      awaitCount(data, "SELECT count(*) FROM audit_record", 7);
      awaitCount(data, "SELECT count(*) FROM checkpoint WHERE relationship = 'JPN-KOR'", 1);
      LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
      ComplianceReport.Report report =
          service
              .context()
              .getBean(ComplianceReport.class)
              .report("JPN-KOR", today.minusDays(1), today);

      assertThat(report.flows())
          .containsExactly(
              new ComplianceReport.Flow("JPN", "KOR", "CONFIDENTIAL", 0, 2),
              new ComplianceReport.Flow("KOR", "JPN", "SECRET", 3, 0));
      assertThat(report.refusals())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.from()).isEqualTo("JPN");
                assertThat(r.byReason()).containsEntry("NOT_RELEASABLE_TO_NATION", 2L);
              });
      assertThat(report.balance()).isEqualTo(new ComplianceReport.Balance("JPN", "KOR", 0, 3, -3));
      assertThat(report.agreementChanges())
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.agreementId()).isEqualTo("KOR-JPN-GSOMIA-2016");
                assertThat(c.to()).isEqualTo("SUSPENDED");
              });
      assertThat(report.identityChanges()).containsEntry("KOR", 1L).containsEntry("JPN", 0L);
      assertThat(report.checkpoint().signatureValid()).isTrue();
      assertThat(report.checkpoint().sequence()).isEqualTo(6);
      // a period with nothing in it reports nothing
      assertThat(
              service
                  .context()
                  .getBean(ComplianceReport.class)
                  .report("JPN-KOR", today.minusDays(30), today.minusDays(20))
                  .flows())
          .isEmpty();
    }
  }

  @Test
  void aSummaryOfWithheldRowsCountsEveryRowAndIsFoundByEachProductItLists() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    AuditEvent denied =
        withLevel(
            transfer("KOR", "JPN", Decision.DECISION_DENY),
            ClassificationLevel.CLASSIFICATION_LEVEL_SECRET);
    List<String> rows = new java.util.ArrayList<>();
    for (int i = 0; i < 500; i++) {
      rows.add("p-" + i);
    }
    // as the gateway summarizes the 500 rows one Search withheld: every row's id listed
    AuditEvent summary =
        denied.toBuilder()
            .setTransfer(
                denied.getTransfer().toBuilder()
                    .clearProductId()
                    .addReasons(DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION)
                    .setWithheldCount(500)
                    .addAllWithheldProductIds(rows)
                    .setWithheldDigest("0".repeat(64)))
            .build();
    AuditEvent released =
        withLevel(
            transfer("KOR", "JPN", Decision.DECISION_PERMIT),
            ClassificationLevel.CLASSIFICATION_LEVEL_SECRET);
    try (AuditStreamWriter writer =
        AuditStreamWriter.connect(redis.url(), stream, Duration.ofSeconds(2))) {
      writer.append(summary);
      writer.append(released);
    }
    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream, "audit-s"))) {
      DataSource data = service.context().getBean(DataSource.class);
      awaitCount(data, "SELECT count(*) FROM audit_record", 2);
      LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
      ComplianceReport.Report report =
          service
              .context()
              .getBean(ComplianceReport.class)
              .report("JPN-KOR", today.minusDays(1), today);

      assertThat(report.flows())
          .containsExactly(new ComplianceReport.Flow("KOR", "JPN", "SECRET", 1, 500));
      assertThat(report.refusals())
          .singleElement()
          .satisfies(r -> assertThat(r.byReason()).containsEntry("NOT_RELEASABLE_TO_NATION", 500L));
      // an auditor asking after one product finds the summary that refused it, and only that
      RecordQuery query = new RecordQuery(data);
      assertThat(byProduct(query, "p-417")).containsExactly(summary.getEventId());
      assertThat(byProduct(query, "p-0")).containsExactly(summary.getEventId());
      assertThat(byProduct(query, released.getTransfer().getProductId()))
          .containsExactly(released.getEventId());
      assertThat(byProduct(query, "p-500")).isEmpty();
    }
  }

  /** The event ids of JPN-KOR's records about one product. */
  private static List<String> byProduct(RecordQuery query, String productId) throws Exception {
    List<String> found = new java.util.ArrayList<>();
    query.stream(
        new RecordQuery.Filter(
            List.of("JPN-KOR"), null, null, null, null, productId, null, null, null, null, null),
        row -> found.add(row.event().getEventId()));
    return found;
  }

  private static AuditEvent withLevel(AuditEvent event, ClassificationLevel level) {
    return event.toBuilder()
        .setTransfer(
            event.getTransfer().toBuilder()
                .setLabel(event.getTransfer().getLabel().toBuilder().setLevel(level)))
        .build();
  }
}
