package org.alliedexchange.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import org.alliedexchange.api.audit.v1.GetComplianceReportResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signed compliance report as the other nation checks it: the figures both copies share, and
 * every way a file can fail (changed, another key, an unknown checkpoint, not a report at all).
 */
class SignedReportVerifierTest {

  static NationalKey service;
  static NationalKey stranger;
  static Checkpoint checkpoint;

  @BeforeAll
  static void keys(@TempDir Path dir) {
    service = NationalKey.loadOrCreate(dir.resolve("checkpoint-key.pem"));
    stranger = NationalKey.loadOrCreate(dir.resolve("other-key.pem"));
    checkpoint =
        new CheckpointSigner(service)
            .sign("JPN-KOR", 3, new byte[32], Instant.parse("2026-11-20T09:00:00.123456Z"));
  }

  static GetComplianceReportResponse report(String marking, NationalKey key, String who) {
    GetComplianceReportResponse.Builder report =
        GetComplianceReportResponse.newBuilder()
            .setLabel(SecurityLabel.newBuilder().setPolicy(who).setMarking(marking))
            .setRelationship("JPN-KOR")
            .setFromDay("2026-11-01")
            .setToDay("2026-11-30")
            .putIdentityChanges("KOR", 2)
            .putIdentityChanges("JPN", 1)
            .setCheckpointSignatureValid(true);
    report
        .addFlowsBuilder()
        .setFrom("KOR")
        .setTo("JPN")
        .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
        .setReleased(1_000_000)
        .setRefused(1);
    report.getBalanceBuilder().setA("JPN").setB("KOR").setBToA(1_000_000).setDifference(-1_000_000);
    report
        .getCheckpointBuilder()
        .setRelationship("JPN-KOR")
        .setSequence(checkpoint.sequence())
        .setHeadHash(ByteString.copyFrom(checkpoint.headHash()))
        .setIssuedAt(WireMapping.timestamp(checkpoint.issuedAt()))
        .setSignature(ByteString.copyFrom(checkpoint.signature()));
    return new ReportSigner(key)
        .sign(
            report.build(),
            who.toLowerCase(java.util.Locale.ROOT) + "-auditor",
            Instant.parse("2026-11-27T10:00:00Z"));
  }

  static String json(GetComplianceReportResponse report) throws Exception {
    return JsonFormat.printer().print(report);
  }

  static SignedReportVerifier.Result check(String file) throws Exception {
    return SignedReportVerifier.verify(
        SignedReportVerifier.read(file.getBytes(StandardCharsets.UTF_8)),
        service.keyPair().getPublic(),
        (relationship, sequence) ->
            relationship.equals("JPN-KOR") && sequence == 3
                ? report("x", service, "KOR").getCheckpoint()
                : null);
  }

  @Test
  void aSignedReportVerifiesFromItsFileAndBothNationsCopiesShareTheFiguresDigest()
      throws Exception {
    GetComplianceReportResponse korean = report("군사II급비밀", service, "KOR");
    GetComplianceReportResponse japanese = report("極秘", service, "JPN");

    SignedReportVerifier.Result result = check(json(korean));

    assertThat(result.verified()).as(result.detail()).isTrue();
    assertThat(result.detail()).contains("signed by the audit service key " + service.keyId());
    assertThat(result.notes()).anyMatch(n -> n.contains("is one the audit service issued"));
    assertThat(check(json(japanese)).verified()).isTrue();
    // different copies (each marked for its nation, each for its auditor), the same figures
    assertThat(json(korean)).isNotEqualTo(json(japanese));
    assertThat(korean.getSignature().getFiguresDigest())
        .hasSize(64)
        .isEqualTo(japanese.getSignature().getFiguresDigest());
  }

  @Test
  void aChangedFigureIsRefusedAsTampered() throws Exception {
    String file = json(report("極秘", service, "JPN"));
    assertThat(file).contains("\"released\": \"1000000\"");

    SignedReportVerifier.Result result =
        check(file.replace("\"released\": \"1000000\"", "\"released\": \"1000001\""));

    assertThat(result.verified()).isFalse();
    assertThat(result.failure()).isEqualTo(SignedReportVerifier.Failure.TAMPERED);
    assertThat(result.detail()).contains("changed after the audit service signed it");
    // the period and the checkpoint are signed too
    assertThat(check(file.replace("2026-11-30", "2026-11-29")).failure())
        .isEqualTo(SignedReportVerifier.Failure.TAMPERED);
    assertThat(check(file.replace("\"sequence\": \"3\"", "\"sequence\": \"2\"")).failure())
        .isEqualTo(SignedReportVerifier.Failure.TAMPERED);
    // the copy's marking is the gateway's release, added after the audit service signed
    assertThat(check(file.replace("極秘", "秘")).verified()).isTrue();
  }

  @Test
  void aReportSignedByAnotherKeyIsNotTheAuditServices() throws Exception {
    SignedReportVerifier.Result result = check(json(report("極秘", stranger, "JPN")));

    assertThat(result.failure()).isEqualTo(SignedReportVerifier.Failure.WRONG_KEY);
    assertThat(result.detail())
        .contains("signed by key " + stranger.keyId(), "not by the audit service key");
  }

  @Test
  void aLookupThatFailsIsNoVerdictOnTheReport() throws Exception {
    String file = json(report("極秘", service, "JPN"));

    assertThatThrownBy(
            () ->
                SignedReportVerifier.verify(
                    SignedReportVerifier.read(file.getBytes(StandardCharsets.UTF_8)),
                    service.keyPair().getPublic(),
                    (relationship, sequence) -> {
                      throw new java.io.IOException("connection refused");
                    }))
        .isInstanceOf(SignedReportVerifier.LookupFailed.class)
        .hasMessageContaining("could not be asked")
        .hasMessageContaining("connection refused");
  }

  @Test
  void aCheckpointTheServiceNeverIssuedIsUnknown() throws Exception {
    GetComplianceReportResponse report = report("極秘", service, "JPN");
    // a checkpoint genuinely signed, but at a record the service holds none for
    Checkpoint elsewhere =
        new CheckpointSigner(service).sign("JPN-KOR", 99, new byte[32], checkpoint.issuedAt());
    GetComplianceReportResponse.Builder moved = report.toBuilder().clearSignature();
    moved
        .getCheckpointBuilder()
        .setSequence(99)
        .setSignature(ByteString.copyFrom(elsewhere.signature()));
    String file =
        json(
            new ReportSigner(service)
                .sign(moved.build(), "jpn-auditor", Instant.parse("2026-11-27T10:00:00Z")));

    SignedReportVerifier.Result result = check(file);

    assertThat(result.failure()).isEqualTo(SignedReportVerifier.Failure.UNKNOWN_CHECKPOINT);
    assertThat(result.detail()).contains("issued no checkpoint at record 99 of JPN-KOR");
    // offline, the same file passes on the checkpoint's signature, and says what was not checked
    SignedReportVerifier.Result offline =
        SignedReportVerifier.verify(
            SignedReportVerifier.read(file.getBytes(StandardCharsets.UTF_8)),
            service.keyPair().getPublic(),
            null);
    assertThat(offline.verified()).isTrue();
    assertThat(offline.notes()).anyMatch(n -> n.contains("checked by its signature only"));
  }

  @Test
  void hostileFilesAreRefusedWithAReasonNeverAnException() throws Exception {
    String good = json(report("極秘", service, "JPN"));
    assertMalformed("", "empty");
    assertMalformed("not json", "not a signed compliance report");
    assertMalformed("[1, 2]", "not a signed compliance report");
    assertMalformed("{\"relationship\": 42}", "no signature");
    assertMalformed(good.replace("\"fromDay\": \"2026-11-01\"", "\"fromDay\": 7"), "not a day");
    assertMalformed(
        good.replace("\"released\": \"1000000\"", "\"released\": {\"a\": 1}"),
        "not a signed compliance report");
    assertMalformed(good.replace("\"released\": \"1000000\"", "\"released\": \"-1\""), "not a");
    assertMalformed(good.replaceFirst("\\{", "{\"extra\": true, "), "not a signed");
    assertMalformed("[".repeat(100_000) + "]".repeat(100_000), "nests deeper");
    assertMalformed(
        good.replace("\"JPN-KOR\"", "\"JPN-KOR\\u202e" + "x".repeat(5_000) + "\""),
        "names no bilateral relationship");
    assertThatThrownBy(
            () -> SignedReportVerifier.read(new byte[SignedReportVerifier.MAX_BYTES + 1]))
        .hasMessageContaining("at most");
    assertThatThrownBy(() -> SignedReportVerifier.read(new byte[] {'{', (byte) 0xC3, '}'}))
        .hasMessageContaining("not UTF-8");
    // what a refusal quotes from the file is printable: no controls, no bidirectional overrides
    assertThatThrownBy(
            () ->
                SignedReportVerifier.read(
                    good.replace("\"JPN-KOR\"", "\"\\u202eROK\\u0007\"")
                        .getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("\\u202eROK\\u0007")
        .hasMessageNotContaining("\u202e");
    // an unpaired surrogate in a string: read, then refused by its signature, not by a crash
    SignedReportVerifier.Result lone =
        check(good.replace("\"jpn-auditor\"", "\"jpn-auditor\\ud800\""));
    assertThat(lone.failure()).isEqualTo(SignedReportVerifier.Failure.TAMPERED);
  }

  private static void assertMalformed(String file, String reason) {
    assertThatThrownBy(() -> SignedReportVerifier.read(file.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SignedReportVerifier.Malformed.class)
        .hasMessageContaining(reason);
  }
}
