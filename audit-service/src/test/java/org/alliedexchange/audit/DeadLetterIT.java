package org.alliedexchange.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.ByteArrayOutputStream;
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
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.AgreementStatus;
import org.alliedexchange.api.audit.v1.AgreementStatusChanged;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.audit.v1.IdentityChanged;
import org.alliedexchange.api.audit.v1.ProductServed;
import org.alliedexchange.api.audit.v1.ReleasabilityAmended;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.consumer.IngestionHealth;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.audit.store.ComplianceReport;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadGroupParams;

/**
 * Poison on the audit stream, against a real Redis and PostgreSQL: an entry holding events the log
 * cannot hold among good ones. The good ones are stored, ingestion goes on, and each bad one is
 * dead-lettered on its own with its reason, for health and the reports to show.
 */
class DeadLetterIT {

  static Path dir;
  static LocalRedis redis;
  static TestTokens tokens;
  static final List<LocalPostgres> databases = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-dead-letter-");
    redis = LocalRedis.start(dir.resolve("redis"));
    tokens = new TestTokens();
  }

  @AfterAll
  static void stop() {
    databases.forEach(LocalPostgres::close);
    tokens.close();
    redis.close();
  }

  static Map<String, Object> properties(String stream) {
    Path dataDir = dir.resolve(stream.replace(':', '-'));
    LocalPostgres postgres = LocalPostgres.start(dataDir.resolve("postgres"));
    databases.add(postgres);
    Map<String, Object> properties =
        AuditServiceApplication.localProperties(
            dataDir, postgres.url(), redis.url(), tokens.issuer, tokens.jwks());
    properties.put("allied.audit.stream", stream);
    return TestPki.shared().serve(properties, "audit");
  }

  static AuditEvent.Builder event() {
    Instant now = Instant.now();
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setSource("gateway")
        .setOccurredAt(
            Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()));
  }

  static AuditEvent transfer(String originator, String recipient, SecurityLabel.Builder label) {
    return event()
        .setTransfer(
            TransferRecord.newBuilder()
                .setTransferId(UUID.randomUUID().toString())
                .setDecision(Decision.DECISION_PERMIT)
                .setLabel(label.setOriginator(originator).setPolicy(originator))
                .setRecipientNation(recipient)
                .setRecipientSystem(recipient.toLowerCase() + "-reader")
                .setProductId("p-" + originator))
        .build();
  }

  static AuditEvent transfer(String originator, String recipient) {
    return transfer(originator, recipient, SecurityLabel.newBuilder());
  }

  /** An AuditEventBatch of these events' bytes, as the gateway's writer appends it. */
  static byte[] batch(List<byte[]> events) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    for (byte[] event : events) {
      coded.writeByteArray(1, event);
    }
    coded.flush();
    return out.toByteArray();
  }

  /** A good event followed by an unknown field nested in groups deeper than protobuf reads. */
  static byte[] tooDeep(AuditEvent event) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    event.writeTo(coded);
    for (int i = 0; i < 150; i++) {
      coded.writeTag(99, 3); // start group
    }
    for (int i = 0; i < 150; i++) {
      coded.writeTag(99, 4); // end group
    }
    coded.flush();
    return out.toByteArray();
  }

  static long count(DataSource data, String sql) throws SQLException {
    try (Connection connection = data.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  static String in(AuditEvent... events) {
    List<String> ids = new ArrayList<>();
    for (AuditEvent event : events) {
      ids.add("'" + event.getEventId() + "'");
    }
    return "(" + String.join(",", ids) + ")";
  }

  /** The dead letters' reasons and relationships by event id ("" when there is none). */
  static Map<String, String> deadLetters(DataSource data) throws SQLException {
    Map<String, String> out = new HashMap<>();
    try (Connection connection = data.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT coalesce(event_id, ''), array_to_string(relationships, ','), reason FROM dead_letter")) {
      while (rows.next()) {
        out.put(rows.getString(1), "[" + rows.getString(2) + "] " + rows.getString(3));
      }
    }
    return out;
  }

  static ServingStatus ingestion(AuditServiceApplication.Running service) {
    ManagedChannel channel = TestPki.shared().asGateway(service.port());
    try {
      return HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(IngestionHealth.SERVICE).build())
          .getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void poisonAmongGoodEventsIsDeadLetteredAloneAndIngestionGoesOn() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    AuditEvent good1 = transfer("KOR", "JPN");
    // the reproduced attack: an amendment naming "\u0000" as a nation, whose relationship name
    // PostgreSQL text cannot hold
    AuditEvent nul =
        event()
            .setReleasabilityAmended(
                ReleasabilityAmended.newBuilder()
                    .setProductId(UUID.randomUUID().toString())
                    .setOriginator("KOR")
                    .setAmendedBy("kor-publisher")
                    .addPreviousReleasableTo("JPN")
                    .addReleasableTo("JPN")
                    .addReleasableTo("\u0000"))
            .build();
    AuditEvent good2 = transfer("JPN", "KOR");
    // a label with a field no one interprets, nested in created_at
    AuditEvent unknown =
        transfer(
            "KOR",
            "JPN",
            SecurityLabel.newBuilder()
                .setCreatedAt(
                    Timestamp.newBuilder()
                        .setSeconds(1)
                        .setUnknownFields(
                            UnknownFieldSet.newBuilder()
                                .addField(
                                    99, UnknownFieldSet.Field.newBuilder().addVarint(7).build())
                                .build())));
    AuditEvent deep = transfer("KOR", "USA");
    // the gateways' stream holds transfers and agreement changes (an identity change would be
    // dead-lettered here: only Keycloak's listener records those)
    AuditEvent good3 =
        event()
            .setAgreementStatusChanged(
                AgreementStatusChanged.newBuilder()
                    .setAgreementId("KOR-JPN-GSOMIA-2016")
                    .addParties("KOR")
                    .addParties("JPN")
                    .setStatus(AgreementStatus.AGREEMENT_STATUS_SUSPENDED)
                    .setChangedBy("federation-admin"))
            .build();
    AuditEvent later = transfer("USA", "KOR");
    // one entry, as the gateway's batch writer makes it: many calls' events together
    String entry =
        append(
            stream,
            List.of(
                good1.toByteArray(),
                nul.toByteArray(),
                good2.toByteArray(),
                unknown.toByteArray(),
                tooDeep(deep),
                good3.toByteArray()));

    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream))) {
      DataSource data = service.context().getBean(DataSource.class);
      String goods =
          "SELECT count(*) FROM audit_record WHERE event_id IN " + in(good1, good2, good3);
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> count(data, goods) == 3);
      // ingestion goes on for later entries
      try (AuditStreamWriter writer =
          AuditStreamWriter.connect(redis.url(), stream, Duration.ofSeconds(2))) {
        writer.append(later);
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  count(data, "SELECT count(*) FROM audit_record WHERE event_id IN " + in(later))
                      == 1);
      assertThat(
              count(
                  data,
                  "SELECT count(*) FROM audit_record WHERE event_id IN " + in(nul, unknown, deep)))
          .isZero();
      AuditLog log = service.context().getBean(AuditLog.class);
      assertThat(log.relationships()).containsExactly("JPN-KOR", "KOR-USA");
      for (String relationship : log.relationships()) {
        assertThat(log.verify(relationship, null).verified()).isTrue();
      }

      // each bad event dead-lettered on its own, with its reason and what it can be attributed to
      assertThat(deadLetters(data))
          .containsOnlyKeys(nul.getEventId(), unknown.getEventId(), "")
          .hasEntrySatisfying(
              nul.getEventId(),
              why ->
                  assertThat(why)
                      .isEqualTo(
                          "[JPN-KOR,KOR] releasability_amended.releasable_to[1] holds NUL: \"\\u0000\""))
          .hasEntrySatisfying(
              unknown.getEventId(),
              why ->
                  assertThat(why)
                      .isEqualTo("[JPN-KOR] unknown field at transfer.label.created_at.#99"))
          .hasEntrySatisfying("", why -> assertThat(why).startsWith("[] not an AuditEvent: "));
      try (var client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2))) {
        List<Object> dead =
            client.xrange(
                (stream + ":dead").getBytes(StandardCharsets.UTF_8),
                "-".getBytes(StandardCharsets.UTF_8),
                "+".getBytes(StandardCharsets.UTF_8));
        assertThat(dead).hasSize(3);
        List<String> named = new ArrayList<>();
        for (Object letter : dead) {
          List<?> raw = (List<?>) ((List<?>) letter).get(1);
          Map<String, String> fields = new HashMap<>();
          for (int i = 0; i + 1 < raw.size(); i += 2) {
            fields.put(
                new String((byte[]) raw.get(i), StandardCharsets.UTF_8),
                new String((byte[]) raw.get(i + 1), StandardCharsets.UTF_8));
          }
          assertThat(fields.get("dead-id")).isEqualTo(entry);
          assertThat(fields.get("dead-because")).isNotBlank();
          named.add(fields.get("dead-event-id"));
        }
        assertThat(named).containsExactlyInAnyOrder(nul.getEventId(), unknown.getEventId(), "");
        // the entry acknowledged: nothing retried forever
        assertThat(client.xpending(stream, "audit-service").getTotal()).isZero();
      }

      // an alarm: ingestion's health, the counter, and the relationship's report show it
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ingestion(service) == ServingStatus.NOT_SERVING);
      IngestionHealth health = service.context().getBean(IngestionHealth.class);
      assertThat(health.deadLetteredSinceStart()).isEqualTo(3);
      assertThat(health.unreviewedDeadLetters()).isEqualTo(3);
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      ComplianceReport reports = service.context().getBean(ComplianceReport.class);
      assertThat(reports.report("JPN-KOR", today, today).deadLetters())
          .isEqualTo(new ComplianceReport.DeadLetterCounts(2, 1));
      // KOR's poisoned amendment is on KOR's own chain too, which KOR-USA's report counts
      assertThat(reports.report("KOR-USA", today, today).deadLetters())
          .isEqualTo(new ComplianceReport.DeadLetterCounts(1, 1));

      // once someone has looked into them, the alarm clears
      try (Connection connection = data.getConnection();
          Statement statement = connection.createStatement()) {
        statement.executeUpdate("UPDATE dead_letter SET reviewed_at = now()");
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> ingestion(service) == ServingStatus.SERVING);
    }
  }

  @Test
  void anEventWhoseDataTheDatabaseRefusesIsDeadLetteredAndItsNeighboursStored() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    AuditEvent before = transfer("KOR", "JPN");
    AuditEvent refused =
        event()
            .setTransfer(transfer("KOR", "JPN").getTransfer().toBuilder().setProductId("poison"))
            .build();
    AuditEvent after = transfer("JPN", "KOR");
    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream))) {
      DataSource data = service.context().getBean(DataSource.class);
      // a rule of the database the events' own check does not know: a data error (SQLState 23514)
      try (Connection connection = data.getConnection();
          Statement statement = connection.createStatement()) {
        statement.executeUpdate(
            "ALTER TABLE audit_record ADD CONSTRAINT no_poison CHECK (product_id <> 'poison')");
      }
      append(stream, before, refused, after);
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  count(
                          data,
                          "SELECT count(*) FROM audit_record WHERE event_id IN "
                              + in(before, after))
                      == 2);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> deadLetters(data).containsKey(refused.getEventId()));
      assertThat(deadLetters(data).get(refused.getEventId()))
          .startsWith("[JPN-KOR] the log refused it: ")
          .contains("no_poison");
      assertThat(count(data, "SELECT count(*) FROM audit_record WHERE event_id IN " + in(refused)))
          .isZero();
      try (var client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2))) {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> client.xpending(stream, "audit-service").getTotal() == 0);
      }
    }
  }

  /** One stream entry holding these events, as the gateway's batch writer appends them. */
  static void append(String stream, AuditEvent... events) throws Exception {
    List<byte[]> bytes = new ArrayList<>();
    for (AuditEvent event : events) {
      bytes.add(event.toByteArray());
    }
    append(stream, bytes);
  }

  /** One stream entry holding these events' bytes; returns the entry's id. */
  static String append(String stream, List<byte[]> events) throws Exception {
    try (var client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2))) {
      byte[] id =
          client.xadd(
              stream.getBytes(StandardCharsets.UTF_8),
              XAddParams.xAddParams(),
              Map.of(
                  AuditStream.TYPE_FIELD.getBytes(StandardCharsets.UTF_8),
                  AuditStream.BATCH_TYPE.getBytes(StandardCharsets.UTF_8),
                  AuditStream.EVENTS_FIELD.getBytes(StandardCharsets.UTF_8),
                  batch(events)));
      return new String(id, StandardCharsets.UTF_8);
    }
  }

  /**
   * The attack: a writer on the stream that learns (or guesses) the id of a record still to come
   * writes its own record under that id first. The log keeps one record per id and relationship;
   * before, the real record arrived as a "redelivery" and was skipped without a trace.
   */
  @Test
  void aRecordUnderAnIdAlreadyHoldingAnotherIsDeadLetteredNeverSkipped() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    AuditEvent real = transfer("KOR", "JPN");
    AuditEvent forged =
        real.toBuilder()
            .setTransfer(
                real.getTransfer().toBuilder()
                    .setDecision(Decision.DECISION_DENY)
                    .setProductId("p-never-released"))
            .build();
    AuditEvent before = transfer("JPN", "KOR");
    AuditEvent beside = transfer("USA", "KOR");
    append(stream, forged, before);
    // the forgery delivered again, byte for byte, then the real record beside a good one
    append(stream, forged, real, beside);
    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream))) {
      DataSource data = service.context().getBean(DataSource.class);
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> deadLetters(data).containsKey(real.getEventId()));
      assertThat(deadLetters(data))
          .containsOnlyKeys(real.getEventId())
          .containsEntry(
              real.getEventId(),
              "[JPN-KOR] the log refused it: event id "
                  + real.getEventId()
                  + " already holds a different record in JPN-KOR; this one was not stored over it");
      // the real record's bytes are kept with the letter, for the review to compare
      try (Connection connection = data.getConnection();
          Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("SELECT event FROM dead_letter")) {
        assertThat(rows.next()).isTrue();
        assertThat(AuditEvent.parseFrom(rows.getBytes(1))).isEqualTo(real);
      }
      // the forgery's redelivery was skipped, not refused; the neighbours are stored
      assertThat(
              count(
                  data,
                  "SELECT count(*) FROM audit_record WHERE event_id IN "
                      + in(forged, before, beside)))
          .isEqualTo(3);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ingestion(service) == ServingStatus.NOT_SERVING);
      AuditLog log = service.context().getBean(AuditLog.class);
      for (String relationship : log.relationships()) {
        assertThat(log.verify(relationship, null).verified()).isTrue();
      }
    }
  }

  /**
   * The attack: a compromised writer appends, on the only stream its Redis user may write, records
   * naming relationships it is not part of, or kinds of record only another writer makes. Each is
   * dead-lettered naming who wrote it and why; nothing reaches those chains.
   */
  @Test
  void eachWritersStreamHoldsOnlyWhatThatWriterMayRecord() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    String korExchange = AuditWriter.exchange("KOR").streamKey(stream);
    String korHotline = AuditWriter.hotline("KOR").streamKey(stream);
    String keycloak = AuditWriter.identity().streamKey(stream);
    AuditEvent served =
        event()
            .setProductServed(
                ProductServed.newBuilder()
                    .setProductId("p-KOR")
                    .setSourceNation("KOR")
                    .setRecipientNation("JPN")
                    .setRecipientSystem("jpn-reader")
                    .setLabel(SecurityLabel.newBuilder().setOriginator("KOR").setPolicy("KOR")))
            .build();
    AuditEvent otherNations = transfer("JPN", "USA");
    otherNations =
        otherNations.toBuilder()
            .setTransfer(otherNations.getTransfer().toBuilder().setSourceNation("JPN"))
            .build();
    AuditEvent consentForUsa =
        event()
            .setReleasabilityAmended(
                ReleasabilityAmended.newBuilder()
                    .setProductId("p-USA")
                    .setOriginator("USA")
                    .setAmendedBy("kor-publisher")
                    .addReleasableTo("KOR"))
            .build();
    AuditEvent identityFromExchange =
        event()
            .setIdentityChanged(
                IdentityChanged.newBuilder().setNation("JPN").setOperation("DELETE"))
            .build();
    AuditEvent ownStep = hotlineStep("KOR", "KOR", "JPN");
    AuditEvent asJapansNode = hotlineStep("JPN", "JPN", "USA");
    AuditEvent notItsConference = hotlineStep("KOR", "JPN", "USA");
    AuditEvent transferFromKeycloak = transfer("KOR", "USA");
    AuditEvent identityOnGateways = identityFromExchange.toBuilder().setEventId(uuid()).build();
    AuditEvent gatewayTransfer = transfer("USA", "JPN");
    append(korExchange, served, otherNations, consentForUsa, identityFromExchange);
    append(korHotline, ownStep, asJapansNode, notItsConference);
    append(keycloak, transferFromKeycloak);
    append(stream, identityOnGateways, gatewayTransfer);

    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream))) {
      DataSource data = service.context().getBean(DataSource.class);
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> deadLetters(data).size() >= 7);
      assertThat(deadLetters(data))
          .containsOnly(
              entry(
                  otherNations.getEventId(),
                  "[KOR] the exchange service of KOR wrote a record whose"
                      + " transfer.source_nation is \"JPN\", not KOR"),
              entry(
                  consentForUsa.getEventId(),
                  "[KOR-USA] the exchange service of KOR wrote a record whose"
                      + " releasability_amended.originator is \"USA\", not KOR"),
              entry(
                  identityFromExchange.getEventId(),
                  "[KOR] the exchange service of KOR may not record identity_changed events"),
              entry(
                  asJapansNode.getEventId(),
                  "[KOR] the hotline node of KOR wrote a step naming the node \"JPN\""),
              entry(
                  notItsConference.getEventId(),
                  "[JPN-KOR,KOR-USA] the hotline node of KOR wrote a step of a conference of"
                      + " [JPN, USA],"
                      + " which KOR is not a party to"),
              entry(
                  transferFromKeycloak.getEventId(),
                  "[KOR-USA] Keycloak's identity listener may not record transfer events"),
              entry(
                  identityOnGateways.getEventId(),
                  "[JPN] the gateways may not record identity_changed events"));
      // each letter names the stream it was read from: who wrote it
      assertThat(
              count(
                  data,
                  "SELECT count(*) FROM dead_letter WHERE stream = '"
                      + korExchange
                      + "' AND event_id IN "
                      + in(otherNations, consentForUsa, identityFromExchange)))
          .isEqualTo(3);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  count(
                          data,
                          "SELECT count(*) FROM audit_record WHERE event_id IN "
                              + in(served, ownStep, gatewayTransfer))
                      == 3);
      // nothing reached a chain its writer is not part of, through any stream
      assertThat(count(data, "SELECT count(*) FROM audit_record WHERE relationship = 'JPN-USA'"))
          .as("only the gateways' USA-JPN transfer")
          .isEqualTo(1);
      assertThat(
              count(
                  data,
                  "SELECT count(*) FROM audit_record WHERE event_id IN "
                      + in(
                          otherNations,
                          consentForUsa,
                          identityFromExchange,
                          asJapansNode,
                          notItsConference,
                          transferFromKeycloak,
                          identityOnGateways)))
          .isZero();
      try (var client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2))) {
        assertThat(client.xrange(stream + ":dead", (StreamEntryID) null, null))
            .extracting(e -> e.getFields().get("dead-stream"))
            .containsExactlyInAnyOrder(
                korExchange, korExchange, korExchange, korHotline, korHotline, keycloak, stream);
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ingestion(service) == ServingStatus.NOT_SERVING);
    }
  }

  @Test
  void aNationsWriterReachesOnlyTheChainsOfItsOwnNation() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    String korExchange = AuditWriter.exchange("KOR").streamKey(stream);
    String korHotline = AuditWriter.hotline("KOR").streamKey(stream);
    // the attack of the review: KOR's node records a step of the trilateral conference, naming
    // JPN and USA as parties; it must not land in the chain of JPN and USA
    AuditEvent trilateralStep = hotlineStep("KOR", "JPN", "KOR", "USA");
    // a release no guard decided, on KOR's exchange stream: the compliance report would count it
    AuditEvent forgedRelease = ownTransfer(Decision.DECISION_PERMIT, "JPN");
    AuditEvent refusalToNoOne = ownTransfer(Decision.DECISION_DENY, "");
    AuditEvent withheld = ownTransfer(Decision.DECISION_DENY, "JPN");
    append(korHotline, trilateralStep);
    append(korExchange, forgedRelease, refusalToNoOne, withheld);

    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream))) {
      DataSource data = service.context().getBean(DataSource.class);
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  deadLetters(data).size() >= 2
                      && count(
                              data,
                              "SELECT count(*) FROM audit_record WHERE event_id IN "
                                  + in(trilateralStep, withheld))
                          == 3);
      assertThat(deadLetters(data))
          .containsOnly(
              entry(
                  forgedRelease.getEventId(),
                  "[JPN-KOR] the exchange service of KOR may record only refusals (DENY), not a"
                      + " transfer decided DECISION_PERMIT: releases are the guard's to decide"),
              entry(
                  refusalToNoOne.getEventId(),
                  "[KOR] the exchange service of KOR wrote a record whose transfer.recipient_nation"
                      + " is empty"));
      assertThat(relationshipsOf(data, trilateralStep))
          .as("the step as KOR's node recorded it: in KOR's own pairs only")
          .containsExactly("JPN-KOR", "KOR-USA");
      assertThat(relationshipsOf(data, withheld)).containsExactly("JPN-KOR");
      assertThat(count(data, "SELECT count(*) FROM audit_record WHERE relationship = 'JPN-USA'"))
          .isZero();
      // no release is counted that a guard did not make
      assertThat(
              count(
                  data,
                  "SELECT count(*) FROM audit_record WHERE event_id = '"
                      + forgedRelease.getEventId()
                      + "'"))
          .isZero();
    }
  }

  @Test
  void aWritersStreamDeletedUnderTheServiceIsReadAgainAndTheOthersGoOn() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    String korExchange = AuditWriter.exchange("KOR").streamKey(stream);
    AuditEvent before = ownTransfer(Decision.DECISION_DENY, "JPN");
    append(korExchange, before);

    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream))) {
      DataSource data = service.context().getBean(DataSource.class);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  count(data, "SELECT count(*) FROM audit_record WHERE event_id IN " + in(before))
                      == 1);
      // an operator deletes one writer's stream, and with it the service's group on it: every
      // read of all the streams at once would fail from now on
      try (var client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2))) {
        assertThat(client.del(korExchange)).isEqualTo(1);
      }
      AuditEvent gateways = transfer("USA", "JPN");
      append(stream, gateways);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  count(data, "SELECT count(*) FROM audit_record WHERE event_id IN " + in(gateways))
                      == 1);
      // and the deleted writer's stream is read again once it writes again
      AuditEvent after = ownTransfer(Decision.DECISION_DENY, "USA");
      append(korExchange, after);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  count(data, "SELECT count(*) FROM audit_record WHERE event_id IN " + in(after))
                      == 1);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ingestion(service) == ServingStatus.SERVING);
      assertThat(deadLetters(data)).isEmpty();
    }
  }

  @Test
  void anEntryTrimmedAwayWhilePendingIsDeadLetteredAndEveryStreamReadsOn() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    String korExchange = AuditWriter.exchange("KOR").streamKey(stream);
    AuditEvent lost = ownTransfer(Decision.DECISION_DENY, "JPN");
    String lostId = append(korExchange, List.of(lost.toByteArray()));
    try (var client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2))) {
      // the service read it, and stopped before it was stored: pending with its consumer
      client.xgroupCreate(korExchange, "audit-service", new StreamEntryID(0, 0), true);
      assertThat(
              client.xreadGroup(
                  "audit-service",
                  "audit-1",
                  XReadGroupParams.xReadGroupParams().count(10),
                  Map.of(korExchange, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY)))
          .hasSize(1);
      // its writer trims its own stream to nothing (XADD ... MAXLEN 0 is an append to Redis's ACLs)
      client.xadd(
          korExchange, XAddParams.xAddParams().maxLen(0), Map.of("type", "trim", "event", ""));
      assertThat(client.xlen(korExchange)).isZero();
    }
    AuditEvent gateways = transfer("USA", "JPN");
    append(stream, gateways);

    try (AuditServiceApplication.Running service =
        AuditServiceApplication.start(properties(stream))) {
      DataSource data = service.context().getBean(DataSource.class);
      // the pending entry that is no more: an alarm of KOR's, acknowledged, not retried forever
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> count(data, "SELECT count(*) FROM dead_letter") >= 1);
      assertThat(
              count(
                  data,
                  "SELECT count(*) FROM dead_letter WHERE stream_id = '"
                      + lostId
                      + "' AND relationships = ARRAY['KOR'] AND reason LIKE"
                      + " 'the entry was removed from the stream%'"))
          .isOne();
      // and the other writers' streams are read on
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  count(data, "SELECT count(*) FROM audit_record WHERE event_id IN " + in(gateways))
                      == 1);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ingestion(service) == ServingStatus.NOT_SERVING);
      try (var client = RedisConnections.connect(redis.url(), Duration.ofSeconds(2))) {
        assertThat(client.xpending(korExchange, "audit-service").getTotal()).isZero();
      }
    }
  }

  /** A refusal or release of KOR's own product to {@code recipient}, as KOR's service writes it. */
  private static AuditEvent ownTransfer(Decision decision, String recipient) {
    AuditEvent event = transfer("KOR", recipient);
    return event.toBuilder()
        .setSource("exchange-service")
        .setTransfer(event.getTransfer().toBuilder().setSourceNation("KOR").setDecision(decision))
        .build();
  }

  private static List<String> relationshipsOf(DataSource data, AuditEvent event)
      throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection connection = data.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT relationship FROM audit_record WHERE event_id = '"
                    + event.getEventId()
                    + "' ORDER BY relationship")) {
      while (rows.next()) {
        out.add(rows.getString(1));
      }
    }
    return out;
  }

  private static String uuid() {
    return UUID.randomUUID().toString();
  }

  /** A hotline step recorded by {@code node}, concerning {@code parties}. */
  private static AuditEvent hotlineStep(String node, String... parties) {
    return event()
        .setHotline(
            HotlineEvent.newBuilder()
                .setNode(node)
                .addAllParties(List.of(parties))
                .setKind(HotlineEvent.Kind.MESSAGE_ACCEPTED)
                .setConference("trilateral"))
        .build();
  }
}
