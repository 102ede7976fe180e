package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.AuditServiceApplication;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.gateway.GatewayApplication;
import org.alliedexchange.label.NationalKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `allied audit ...` against a real gateway and audit service, as an auditor at a terminal uses it.
 */
class AuditCommandIT {

  static Path dir;
  static LocalRedis redis;
  static LocalPostgres auditDatabase;
  static TestTokens tokens;
  static AuditServiceApplication.Running audit;
  static GatewayApplication.Running gateway;
  static Path japan;
  static Path checkpointKey;

  record Result(int exit, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-audit-cli-");
    redis = LocalRedis.start(dir.resolve("redis"));
    tokens = new TestTokens();
    auditDatabase = LocalPostgres.start(dir.resolve("audit").resolve("postgres"));
    Map<String, Object> auditProperties =
        AuditServiceApplication.localProperties(
            dir.resolve("audit"), auditDatabase.url(), redis.url(), tokens.issuer, tokens.jwks());
    auditProperties.put("allied.audit.checkpoint-every", "200ms");
    FederationCertificates pki = FederationCertificates.openOrCreate(dir.resolve("pki"));
    FederationCertificates.Issued server = pki.issue("audit", FederationCertificates.Use.SERVER);
    AuditServiceApplication.addTls(
        auditProperties, server.certificate(), server.privateKey(), server.authority());
    audit = AuditServiceApplication.start(auditProperties);
    checkpointKey = NationalKey.publicKeyFile(dir.resolve("audit").resolve("checkpoint-key.pem"));

    Path korKey = dir.resolve("kor-key.pem");
    NationalKey.loadOrCreate(korKey).writePublicKeyBeside(korKey);
    Map<String, Object> properties =
        GatewayApplication.localProperties(0, tokens.issuer, tokens.jwks(), redis.url());
    FederationCertificates.Issued client =
        pki.issue("allied-gateway", FederationCertificates.Use.CLIENT);
    GatewayApplication.addBackendTls(
        properties, client.certificate(), client.privateKey(), client.authority());
    GatewayApplication.addNation(
        properties,
        "KOR",
        java.net.URI.create("https://127.0.0.1:1"),
        NationalKey.publicKeyFile(korKey));
    GatewayApplication.addAuditService(
        properties, java.net.URI.create("https://127.0.0.1:" + audit.port()), null);
    gateway = GatewayApplication.start(properties);

    try (AuditStreamWriter writer =
        AuditStreamWriter.connect(redis.url(), "allied:audit", Duration.ofSeconds(2))) {
      for (int i = 0; i < 5; i++) {
        writer.append(transfer("KOR", "JPN", Decision.DECISION_PERMIT, "군사II급비밀", "p-" + i));
      }
      writer.append(transfer("JPN", "KOR", Decision.DECISION_DENY, "極秘", "p-jpn"));
    }
    japan = dir.resolve("jpn-auditor.token");
    Files.writeString(
        japan, tokens.token("jpn-auditor", "JPN", "SECRET", List.of(), List.of("auditor")));
    // wait for the six records and a checkpoint over them
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                run("audit", "verify", "--relationship", "JPN-KOR")
                    .out()
                    .contains("checkpoint at record 6"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    audit.close();
    auditDatabase.close();
    tokens.close();
    redis.close();
  }

  static AuditEvent transfer(
      String from, String to, Decision decision, String marking, String product) {
    Instant now = Instant.now();
    TransferRecord.Builder transfer =
        TransferRecord.newBuilder()
            .setTransferId(UUID.randomUUID().toString())
            .setDecision(decision)
            .setLabel(
                SecurityLabel.newBuilder().setPolicy(from).setOriginator(from).setMarking(marking))
            .setRecipientNation(to)
            .setRecipientSystem(to.toLowerCase() + "-reader")
            .setProductId(product)
            .setMethod("ExchangeService/Get");
    if (decision == Decision.DECISION_DENY) {
      transfer.addReasons(DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION);
    }
    return AuditEvent.newBuilder()
        .setEventId(transfer.getTransferId())
        .setSource("gateway")
        .setOccurredAt(
            Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setTransfer(transfer)
        .build();
  }

  /** Runs `allied` as the JPN auditor against the test gateway. */
  static Result run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.contains("--file")) {
      all.addAll(
          List.of(
              "--gateway", "http://127.0.0.1:" + gateway.port(), "--token-file", japan.toString()));
    }
    return runExactly(all.toArray(String[]::new));
  }

  static Result runExactly(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        Allied.commandLine(new ByteArrayInputStream(new byte[0]), out, err, Clock.systemUTC())
            .execute(args);
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void queryPrintsOneLinePerRecordAndPagesWithACursor() {
    Result page = run("audit", "query", "--relationship", "JPN-KOR", "--page-size", "4");
    assertThat(page.exit()).as(page.err()).isZero();
    List<String> lines = page.out().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0))
        .contains("JPN-KOR #1", "PERMIT", "KOR->JPN", "jpn-reader", "p-0", "군사II급비밀", "[極秘]");
    assertThat(page.err()).contains("more: --cursor JPN-KOR:4");
    Result rest =
        run("audit", "query", "--relationship", "JPN-KOR", "--cursor", "JPN-KOR:4", "--json");
    assertThat(rest.out().lines().toList())
        .hasSize(2)
        .last()
        .satisfies(
            json ->
                assertThat(json)
                    .contains("\"sequence\":\"6\"", "DENY_REASON_NOT_RELEASABLE_TO_NATION"));
    Result refused = run("audit", "query", "--decision", "deny", "--from-nation", "JPN");
    assertThat(refused.out().lines().toList())
        .singleElement()
        .satisfies(line -> assertThat(line).contains("DENY", "NOT_RELEASABLE_TO_NATION"));
  }

  @Test
  void anExportVerifiesOnItsOwnAndAnyChangeToItIsNamed() throws Exception {
    Path export = dir.resolve("jpn-kor.jsonl");
    Result exported =
        run("audit", "export", "--relationship", "JPN-KOR", "--output", export.toString());
    assertThat(exported.exit()).as(exported.err()).isZero();
    assertThat(Files.readAllLines(export)).hasSize(7);

    Result verified =
        runExactly(
            "audit", "verify", "--file", export.toString(), "--key", checkpointKey.toString());
    assertThat(verified.exit()).as(verified.out()).isZero();
    assertThat(verified.out())
        .startsWith("VERIFIED: verified 6 records of JPN-KOR against the checkpoint at record 6");

    // an edited record
    Path edited = dir.resolve("edited.jsonl");
    Files.writeString(
        edited,
        Files.readString(export).replaceFirst("\"productId\":\"p-2\"", "\"productId\":\"p-9\""));
    Result editedResult =
        runExactly(
            "audit", "verify", "--file", edited.toString(), "--key", checkpointKey.toString());
    assertThat(editedResult.exit()).isEqualTo(AuditCommand.NOT_VERIFIED);
    assertThat(editedResult.out()).contains("NOT VERIFIED", "record 3");

    // a deleted record (and the summary's count mended to match)
    List<String> lines = new ArrayList<>(Files.readAllLines(export));
    lines.remove(1);
    lines.set(
        lines.size() - 1,
        lines.get(lines.size() - 1).replace("\"records\":\"6\"", "\"records\":\"5\""));
    Path deleted = dir.resolve("deleted.jsonl");
    Files.write(deleted, lines);
    Result deletedResult =
        runExactly(
            "audit", "verify", "--file", deleted.toString(), "--key", checkpointKey.toString());
    assertThat(deletedResult.exit()).isEqualTo(AuditCommand.NOT_VERIFIED);
    assertThat(deletedResult.out()).contains("record 2 of JPN-KOR is missing");

    // two records swapped
    List<String> swapped = new ArrayList<>(Files.readAllLines(export));
    String third = swapped.get(2);
    swapped.set(2, swapped.get(3));
    swapped.set(3, third);
    Path reordered = dir.resolve("reordered.jsonl");
    Files.write(reordered, swapped);
    assertThat(
            runExactly(
                    "audit",
                    "verify",
                    "--file",
                    reordered.toString(),
                    "--key",
                    checkpointKey.toString())
                .out())
        .contains("NOT VERIFIED", "record 3");

    // cut short, summary mended: the checkpoint shows it
    List<String> cut = new ArrayList<>(Files.readAllLines(export));
    cut.remove(5);
    cut.set(
        cut.size() - 1, cut.get(cut.size() - 1).replace("\"records\":\"6\"", "\"records\":\"5\""));
    Path truncated = dir.resolve("truncated.jsonl");
    Files.write(truncated, cut);
    assertThat(
            runExactly(
                    "audit",
                    "verify",
                    "--file",
                    truncated.toString(),
                    "--key",
                    checkpointKey.toString())
                .out())
        .contains("NOT VERIFIED", "ends at record 5", "covers 6");

    // signed by another key than the audit service's
    Path otherKey = dir.resolve("other.pem");
    NationalKey.loadOrCreate(otherKey).writePublicKeyBeside(otherKey);
    Result wrongKey =
        runExactly(
            "audit",
            "verify",
            "--file",
            export.toString(),
            "--key",
            NationalKey.publicKeyFile(otherKey).toString());
    assertThat(wrongKey.exit()).isEqualTo(AuditCommand.NOT_VERIFIED);
    assertThat(wrongKey.out()).contains("signature does not verify under the trusted key");

    Result csv = run("audit", "export", "--relationship", "JPN-KOR", "--format", "csv");
    assertThat(csv.out().lines().toList())
        .hasSize(7)
        .first()
        .satisfies(header -> assertThat(header).startsWith("relationship,sequence,"));
  }

  @Test
  void reportAndServerSideVerification() {
    Result report = run("audit", "report", "--relationship", "JPN-KOR");
    assertThat(report.exit()).as(report.err()).isZero();
    assertThat(report.out())
        .contains(
            "released JPN->KOR: 0, KOR->JPN: 5",
            "KOR->JPN  SECRET  released 5, refused 0",
            "JPN->KOR  NOT_RELEASABLE_TO_NATION  1",
            "signature valid");
    Result json = run("audit", "report", "--relationship", "JPN-KOR", "--json");
    assertThat(json.out()).contains("\"bToA\":\"5\"");
    Result verify = run("audit", "verify", "--relationship", "JPN-KOR");
    assertThat(verify.exit()).isZero();
    assertThat(verify.out()).startsWith("VERIFIED");
  }

  @Test
  void aSignedReportIsWrittenAndBothNationsCheckItAndAChangedOneIsRefused() throws Exception {
    String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
    Path japanese = dir.resolve("report-jpn.json");
    Result written =
        run(
            "audit",
            "report",
            "--relationship",
            "JPN-KOR",
            "--from",
            today,
            "--to",
            today,
            "--output",
            japanese.toString());
    assertThat(written.exit()).as(written.err()).isZero();
    assertThat(written.out())
        .contains("signed by the audit service, key", "signed report written to " + japanese);
    assertThat(Files.readString(japanese))
        .contains("\"relationship\":\"JPN-KOR\"", "\"signature\"");

    Result verified = run("audit", "verify-report", japanese.toString());
    assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();
    assertThat(verified.out())
        .startsWith("VERIFIED: " + japanese)
        .contains(
            "JPN-KOR, " + today + " to " + today + ": released JPN->KOR 0, KOR->JPN 5",
            "is one the audit service issued");

    // KOR's auditor produces the same report: another copy (marked for KOR), the same figures
    Path korea = dir.resolve("kor-auditor.token");
    Files.writeString(
        korea, tokens.token("kor-auditor", "KOR", "SECRET", List.of(), List.of("auditor")));
    Path korean = dir.resolve("report-kor.json");
    Result koreanWritten =
        runExactly(
            "audit",
            "report",
            "--relationship",
            "JPN-KOR",
            "--from",
            today,
            "--to",
            today,
            "--output",
            korean.toString(),
            "--gateway",
            "http://127.0.0.1:" + gateway.port(),
            "--token-file",
            korea.toString());
    assertThat(koreanWritten.exit()).as(koreanWritten.err()).isZero();
    Result both =
        run(
            "audit",
            "verify-report",
            korean.toString(),
            "--same-as",
            japanese.toString(),
            "--key",
            checkpointKey.toString());
    assertThat(both.exit()).as(both.out() + both.err()).isZero();
    assertThat(both.out()).contains("SAME FIGURES: both reports hold the figures with digest");

    // a changed figure
    Path changed = dir.resolve("report-changed.json");
    Files.writeString(
        changed, Files.readString(japanese).replace("\"released\":\"5\"", "\"released\":\"4\""));
    Result tampered = run("audit", "verify-report", changed.toString());
    assertThat(tampered.exit()).isEqualTo(AuditCommand.NOT_VERIFIED);
    assertThat(tampered.out())
        .startsWith("NOT VERIFIED (tampered)")
        .contains("changed after the audit service signed it");

    // another key than the audit service's
    Path strangerKey = dir.resolve("stranger.pem");
    NationalKey.loadOrCreate(strangerKey).writePublicKeyBeside(strangerKey);
    Result wrongKey =
        run(
            "audit",
            "verify-report",
            japanese.toString(),
            "--key",
            NationalKey.publicKeyFile(strangerKey).toString(),
            "--offline");
    assertThat(wrongKey.exit()).isEqualTo(AuditCommand.NOT_VERIFIED);
    assertThat(wrongKey.out()).startsWith("NOT VERIFIED (wrong key)").contains("you trust");

    // not a report at all: a reason, never a stack trace
    Path odd = dir.resolve("odd.json");
    Files.writeString(odd, "{\"relationship\": [\"\u202eJPN\"], \"flows\": 7}");
    Result refused = run("audit", "verify-report", odd.toString());
    assertThat(refused.exit()).isEqualTo(AuditCommand.NOT_VERIFIED);
    assertThat(refused.out()).startsWith("NOT VERIFIED (malformed)").doesNotContain("\tat ");
    assertThat(refused.err()).isEmpty();
    Result offlineWithoutKey = run("audit", "verify-report", japanese.toString(), "--offline");
    assertThat(offlineWithoutKey.exit()).isEqualTo(1);
    assertThat(offlineWithoutKey.err()).contains("--offline needs --key");
  }

  @Test
  void refusalsPrintTheGatewaysStatusAndExitNonZero() throws Exception {
    Result other = run("audit", "query", "--relationship", "KOR-USA");
    assertThat(other.exit()).isEqualTo(1);
    assertThat(other.err())
        .contains("PERMISSION_DENIED", "reads only the relationships JPN is party to");
    Path reader = dir.resolve("reader.token");
    Files.writeString(
        reader,
        tokens.token("jpn-mod-reader", "JPN", "SECRET", List.of(), List.of("exchange-read")));
    Result notAuditor =
        runExactly(
            "audit",
            "query",
            "--gateway",
            "http://127.0.0.1:" + gateway.port(),
            "--token-file",
            reader.toString());
    assertThat(notAuditor.exit()).isEqualTo(1);
    assertThat(notAuditor.err()).contains("PERMISSION_DENIED", "lacks the role auditor");
    Result badFilter = run("audit", "query", "--level", "COSMIC");
    assertThat(badFilter.exit()).isEqualTo(1);
    assertThat(badFilter.err()).contains("INVALID_ARGUMENT", "level COSMIC is not one of");
    Result nothing =
        runExactly(
            "audit",
            "verify",
            "--relationship",
            "JPN-KOR",
            "--gateway",
            "http://127.0.0.1:1",
            "--token-file",
            japan.toString());
    assertThat(nothing.exit()).isEqualTo(1);
    assertThat(nothing.err()).contains("cannot reach the gateway");
  }
}
