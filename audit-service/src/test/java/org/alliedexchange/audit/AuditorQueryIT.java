package org.alliedexchange.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.collect.ImmutableList;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.GetComplianceReportRequest;
import org.alliedexchange.api.audit.v1.GetComplianceReportResponse;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.audit.v1.VerifyChainRequest;
import org.alliedexchange.api.audit.v1.VerifyChainResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.chain.ChainHash;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The auditors' gRPC API, called directly (the gateway's guard in front of it is tested in the
 * gateway): who sees which relationships, with which labels, filtered and paged; verification;
 * report.
 */
class AuditorQueryIT {

  static Path dir;
  static LocalRedis redis;
  static LocalPostgres postgres;
  static TestTokens tokens;
  static AuditServiceApplication.Running service;
  static ManagedChannel channel;
  static final String PRODUCT = "p-" + UUID.randomUUID();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-auditor-");
    redis = LocalRedis.start(dir.resolve("redis"));
    tokens = new TestTokens();
    String stream = "allied:audit:" + UUID.randomUUID();
    postgres = LocalPostgres.start(dir.resolve("audit").resolve("postgres"));
    Map<String, Object> properties =
        AuditServiceApplication.localProperties(
            dir.resolve("audit"), postgres.url(), redis.url(), tokens.issuer, tokens.jwks());
    properties.put("allied.audit.stream", stream);
    properties.put("allied.audit.checkpoint-every", "200ms");
    service = AuditServiceApplication.start(TestPki.shared().serve(properties, "audit"));
    List<AuditEvent> events = new ArrayList<>();
    events.add(
        transfer(
            "KOR",
            "JPN",
            Decision.DECISION_PERMIT,
            "군사II급비밀",
            ClassificationLevel.CLASSIFICATION_LEVEL_SECRET));
    events.add(
        transfer(
            "KOR",
            "JPN",
            Decision.DECISION_DENY,
            "군사I급비밀",
            ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET));
    events.add(
        transfer(
            "JPN",
            "KOR",
            Decision.DECISION_PERMIT,
            "秘",
            ClassificationLevel.CLASSIFICATION_LEVEL_CONFIDENTIAL));
    events.add(
        transfer(
            "KOR",
            "USA",
            Decision.DECISION_PERMIT,
            "군사II급비밀",
            ClassificationLevel.CLASSIFICATION_LEVEL_SECRET));
    events.add(
        transfer(
            "JPN",
            "USA",
            Decision.DECISION_PERMIT,
            "極秘",
            ClassificationLevel.CLASSIFICATION_LEVEL_SECRET));
    try (AuditStreamWriter writer =
        AuditStreamWriter.connect(redis.url(), stream, Duration.ofSeconds(2))) {
      events.forEach(writer::append);
    }
    DataSource data = service.context().getBean(DataSource.class);
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> count(data) >= events.size());
    assertThat(count(data)).isEqualTo(events.size());
    channel = TestPki.shared().asGateway(service.port());
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    service.close();
    postgres.close();
    tokens.close();
    redis.close();
  }

  static long count(DataSource data) throws Exception {
    try (var connection = data.getConnection();
        var rows = connection.createStatement().executeQuery("SELECT count(*) FROM audit_record")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  static AuditEvent transfer(
      String originator,
      String recipient,
      Decision decision,
      String marking,
      ClassificationLevel level) {
    AuditEvent event = AuditServiceIT.transfer(originator, recipient, decision);
    TransferRecord.Builder transfer =
        event.getTransfer().toBuilder()
            .setProductId(PRODUCT)
            .setLabel(
                SecurityLabel.newBuilder()
                    .setPolicy(originator)
                    .setOriginator(originator)
                    .setMarking(marking)
                    .setLevel(level));
    if (decision == Decision.DECISION_DENY) {
      transfer.addReasons(DenyReason.DENY_REASON_LEVEL_NOT_COVERED);
    }
    return event.toBuilder().setTransfer(transfer).build();
  }

  static AuditServiceGrpc.AuditServiceBlockingStub as(String nation, String... roles) {
    return cleared(nation, "SECRET", roles);
  }

  static AuditServiceGrpc.AuditServiceBlockingStub cleared(
      String nation, String clearance, String... roles) {
    return AuditServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(
            TestTokens.bearer(
                tokens.token(
                    nation.toLowerCase() + "-auditor",
                    nation,
                    clearance,
                    List.of(),
                    List.of(roles))));
  }

  @Test
  void anAuditorClearedForTheRecordReadsItWhole() {
    List<QueryRecordsResponse> japan =
        query(
            cleared("JPN", "TOP_SECRET", "auditor"),
            QueryRecordsRequest.newBuilder().setRelationship("JPN-KOR").build());
    assertThat(japan).extracting(r -> r.getLabel().getMarking()).containsExactly("極秘", "機密", "秘");
    assertThat(japan).extracting(QueryRecordsResponse::getRedacted).containsOnly(false);
  }

  static List<QueryRecordsResponse> query(
      AuditServiceGrpc.AuditServiceBlockingStub stub, QueryRecordsRequest request) {
    return ImmutableList.copyOf(stub.queryRecords(request));
  }

  @Test
  void anAuditorSeesExactlyTheRelationshipsItsNationIsPartyToLabelledForItsNation() {
    List<QueryRecordsResponse> japan =
        query(as("JPN", "auditor"), QueryRecordsRequest.getDefaultInstance());
    assertThat(japan)
        .extracting(QueryRecordsResponse::getRelationship)
        .containsExactly("JPN-KOR", "JPN-KOR", "JPN-KOR", "JPN-USA");
    assertThat(japan)
        .allSatisfy(
            record -> {
              assertThat(record.getLabel().getPolicy()).isEqualTo("JPN");
              assertThat(record.getLabel().getOriginator()).isEqualTo("JPN");
              assertThat(record.getLabel().getReleasableToList()).containsExactly("JPN");
              assertThat(record.getLabel().getCommunitiesList()).isEmpty();
              if (!record.getRedacted()) {
                assertThat(record.getEventDigest())
                    .isEqualTo(
                        ByteString.copyFrom(
                            ChainHash.digest(record.getEventBytes().toByteArray())));
              }
            });
    // a record is labelled at the level of the product it describes, in the auditor's scheme; one
    // above the auditor's clearance (a 군사I급비밀 refusal) comes as its chain link only
    assertThat(japan)
        .extracting(r -> r.getLabel().getMarking())
        .containsExactly("極秘", "一般", "秘", "極秘");
    assertThat(japan)
        .extracting(QueryRecordsResponse::getRedacted)
        .containsExactly(false, true, false, false);
    QueryRecordsResponse redacted = japan.get(1);
    assertThat(redacted.hasEvent()).isFalse();
    assertThat(redacted.getEventBytes().isEmpty()).isTrue();
    assertThat(redacted.getEventDigest().size()).isEqualTo(32);
    assertThat(japan.get(0).getEvent().getTransfer().getLabel().getMarking()).isEqualTo("군사II급비밀");

    List<QueryRecordsResponse> korea =
        query(as("KOR", "auditor"), QueryRecordsRequest.getDefaultInstance());
    assertThat(korea)
        .extracting(QueryRecordsResponse::getRelationship)
        .containsExactly("JPN-KOR", "JPN-KOR", "JPN-KOR", "KOR-USA");
    assertThat(korea)
        .extracting(r -> r.getLabel().getMarking())
        .containsExactly("군사II급비밀", "일반", "군사III급비밀", "군사II급비밀");
    // both sides hold the same records of their relationship: same sequence, same hash
    assertThat(korea.subList(0, 3))
        .extracting(QueryRecordsResponse::getHash)
        .containsExactlyElementsOf(
            japan.subList(0, 3).stream().map(QueryRecordsResponse::getHash).toList());
  }

  @Test
  void anotherNationsRelationshipIsRefusedAndOnlyAuditorsMayAsk() {
    assertThatThrownBy(
            () ->
                query(
                    as("JPN", "auditor"),
                    QueryRecordsRequest.newBuilder().setRelationship("KOR-USA").build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e).getCode())
                    .isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining("reads only the relationships JPN is party to");
    assertThatThrownBy(
            () -> query(as("JPN", "exchange-read"), QueryRecordsRequest.getDefaultInstance()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e).getCode())
                    .isEqualTo(Status.Code.PERMISSION_DENIED))
        .hasMessageContaining("lacks the role auditor");
    assertThatThrownBy(
            () ->
                ImmutableList.copyOf(
                    AuditServiceGrpc.newBlockingStub(channel)
                        .queryRecords(QueryRecordsRequest.getDefaultInstance())))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e).getCode())
                    .isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(
            () ->
                as("JPN", "auditor")
                    .verifyChain(
                        VerifyChainRequest.newBuilder().setRelationship("KOR-JPN").build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e).getCode())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("JPN-KOR");
  }

  @Test
  void filtersNarrowAndPagesResumeWhereTheyStopped() {
    var korea = cleared("KOR", "TOP_SECRET", "auditor");
    assertThat(
            query(
                korea,
                QueryRecordsRequest.newBuilder().setDecision(Decision.DECISION_DENY).build()))
        .extracting(r -> r.getEvent().getTransfer().getLabel().getMarking())
        .containsExactly("군사I급비밀");
    assertThat(
            query(
                korea,
                QueryRecordsRequest.newBuilder().setReason(DenyReason.DENY_REASON_NOFORN).build()))
        .isEmpty();
    assertThat(
            query(
                korea,
                QueryRecordsRequest.newBuilder().setFromNation("JPN").setToNation("KOR").build()))
        .extracting(r -> r.getEvent().getTransfer().getLabel().getMarking())
        .containsExactly("秘");
    assertThat(
            query(
                korea,
                QueryRecordsRequest.newBuilder()
                    .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
                    .build()))
        .extracting(QueryRecordsResponse::getRelationship)
        .containsExactly("JPN-KOR", "KOR-USA");

    List<String> paged = new ArrayList<>();
    String cursor = "";
    for (int page = 0; page < 10; page++) {
      List<QueryRecordsResponse> records =
          query(korea, QueryRecordsRequest.newBuilder().setPageSize(3).setCursor(cursor).build());
      if (records.isEmpty()) {
        break;
      }
      records.forEach(r -> paged.add(r.getCursor()));
      cursor = records.get(records.size() - 1).getCursor();
    }
    assertThat(paged).containsExactly("JPN-KOR:1", "JPN-KOR:2", "JPN-KOR:3", "KOR-USA:1");
    assertThat(
            ImmutableList.copyOf(
                korea.exportRecords(QueryRecordsRequest.newBuilder().setPageSize(1).build())))
        .hasSize(4);
    assertThatThrownBy(
            () -> query(korea, QueryRecordsRequest.newBuilder().setCursor("JPN-USA:1").build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e).getCode())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void bothSidesVerifyTheSameChainAndGetTheSameReport() throws Exception {
    VerifyChainResponse japan =
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () ->
                    as("JPN", "auditor")
                        .verifyChain(
                            VerifyChainRequest.newBuilder().setRelationship("JPN-KOR").build()),
                VerifyChainResponse::hasCheckpoint);
    VerifyChainResponse korea =
        as("KOR", "auditor")
            .verifyChain(VerifyChainRequest.newBuilder().setRelationship("JPN-KOR").build());
    assertThat(japan.getVerified()).isTrue();
    assertThat(japan.getRecordsChecked()).isEqualTo(3);
    assertThat(japan.getCheckpoint().getSequence()).isEqualTo(3);
    assertThat(korea.getCheckpoint().getHeadHash()).isEqualTo(japan.getCheckpoint().getHeadHash());

    String today = LocalDate.now(ZoneOffset.UTC).toString();
    GetComplianceReportResponse report =
        as("JPN", "auditor")
            .getComplianceReport(
                GetComplianceReportRequest.newBuilder()
                    .setRelationship("JPN-KOR")
                    .setFromDay(today)
                    .setToDay(today)
                    .build());
    assertThat(report.getBalance().getAToB()).isEqualTo(1);
    assertThat(report.getBalance().getBToA()).isEqualTo(1);
    assertThat(report.getFlowsList())
        .extracting(
            f ->
                f.getFrom()
                    + ">"
                    + f.getTo()
                    + " "
                    + f.getLevel()
                    + " "
                    + f.getReleased()
                    + "/"
                    + f.getRefused())
        .containsExactlyInAnyOrder(
            "JPN>KOR CLASSIFICATION_LEVEL_CONFIDENTIAL 1/0",
            "KOR>JPN CLASSIFICATION_LEVEL_SECRET 1/0",
            "KOR>JPN CLASSIFICATION_LEVEL_TOP_SECRET 0/1");
    assertThat(report.getLabel().getMarking()).isEqualTo("秘");
    // KOR's auditor asks for the same report: its own copy, signed by the same key, the same
    // figures
    GetComplianceReportResponse korean =
        as("KOR", "auditor")
            .getComplianceReport(
                GetComplianceReportRequest.newBuilder()
                    .setRelationship("JPN-KOR")
                    .setFromDay(today)
                    .setToDay(today)
                    .build());
    assertThat(korean.getLabel().getMarking()).isNotEqualTo(report.getLabel().getMarking());
    assertThat(korean.getSignature().getRequestedBy()).endsWith("(KOR)");
    assertThat(report.getSignature().getRequestedBy()).endsWith("(JPN)");
    assertThat(korean.getSignature().getFiguresDigest())
        .isEqualTo(report.getSignature().getFiguresDigest());
    assertThat(korean.getSignature().getKeyId()).isEqualTo(report.getSignature().getKeyId());
    java.security.PublicKey service =
        org.alliedexchange.label.NationalKey.publicKey(report.getSignature().getPublicKeyPem());
    assertThat(org.alliedexchange.audit.chain.ReportSigner.verifies(report, service)).isTrue();
    assertThat(org.alliedexchange.audit.chain.ReportSigner.verifies(korean, service)).isTrue();
    assertThat(
            org.alliedexchange.audit.chain.ReportSigner.verifies(
                report.toBuilder().setBalance(report.getBalance().toBuilder().setAToB(2)).build(),
                service))
        .isFalse();
    assertThatThrownBy(
            () ->
                as("JPN", "auditor")
                    .getComplianceReport(
                        GetComplianceReportRequest.newBuilder()
                            .setRelationship("JPN-KOR")
                            .setFromDay("yesterday")
                            .build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e).getCode())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT));
  }
}
