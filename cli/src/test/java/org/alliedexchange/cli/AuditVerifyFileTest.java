package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.ExportLine;
import org.alliedexchange.api.audit.v1.ExportSummary;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.audit.chain.ChainHash;
import org.alliedexchange.audit.chain.Checkpoint;
import org.alliedexchange.audit.chain.CheckpointSigner;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `allied audit verify --file` trusts only a checkpoint signed by a key the auditor chose: a file
 * anyone could have made (no checkpoint, or signed by the key it carries) is not VERIFIED.
 */
class AuditVerifyFileTest {

  @TempDir Path dir;
  private Path auditKeyPem;
  private NationalKey auditKey;
  private NationalKey forgerKey;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void keys() {
    Path auditKeyFile = dir.resolve("checkpoint-key.pem");
    auditKey = NationalKey.loadOrCreate(auditKeyFile);
    auditKey.writePublicKeyBeside(auditKeyFile);
    auditKeyPem = NationalKey.publicKeyFile(auditKeyFile);
    forgerKey = NationalKey.loadOrCreate(dir.resolve("forger.pem"));
  }

  @Test
  void aFabricatedExportWithoutACheckpointDoesNotVerifyUnderTheAuditServicesKey() throws Exception {
    Path forged = export("forged.jsonl", null);

    int exit = run("audit", "verify", "--file", forged.toString(), "--key", auditKeyPem.toString());

    assertThat(exit).as(stdout()).isEqualTo(AuditCommand.NOT_VERIFIED);
    assertThat(stdout()).startsWith("NOT VERIFIED").contains("no checkpoint");
  }

  @Test
  void anExportSignedByAnotherKeyDoesNotVerifyUnderTheAuditServicesKey() throws Exception {
    Path forged = export("forged.jsonl", forgerKey);

    int exit = run("audit", "verify", "--file", forged.toString(), "--key", auditKeyPem.toString());

    assertThat(exit).isEqualTo(AuditCommand.NOT_VERIFIED);
    assertThat(stdout()).startsWith("NOT VERIFIED");
  }

  @Test
  void anExportSignedByTheAuditServicesKeyVerifiesAndNamesIt() throws Exception {
    Path genuine = export("genuine.jsonl", auditKey);

    int exit =
        run("audit", "verify", "--file", genuine.toString(), "--key", auditKeyPem.toString());

    assertThat(exit).as(stdout()).isZero();
    assertThat(stdout())
        .startsWith("VERIFIED: verified 2 records of JPN-KOR")
        .contains("trusted key " + auditKey.keyId(), fingerprint(auditKey));
  }

  @Test
  void withoutKeyVerificationFailsAndNamesTrustEmbeddedKey() throws Exception {
    Path signed = export("signed.jsonl", forgerKey);

    int exit = run("audit", "verify", "--file", signed.toString());

    assertThat(exit).isEqualTo(AuditCommand.NOT_VERIFIED);
    assertThat(stdout()).startsWith("NOT VERIFIED").contains("--key", "--trust-embedded-key");
  }

  @Test
  void trustingTheEmbeddedKeyNamesItsFingerprint() throws Exception {
    Path signed = export("signed.jsonl", forgerKey);

    int exit = run("audit", "verify", "--file", signed.toString(), "--trust-embedded-key");

    assertThat(exit).as(stdout()).isZero();
    assertThat(stdout())
        .startsWith("VERIFIED")
        .contains("the key the file carries", forgerKey.keyId(), fingerprint(forgerKey));
  }

  @Test
  void trustingTheEmbeddedKeyOfAFileWithoutCheckpointFails() throws Exception {
    Path forged = export("forged.jsonl", null);

    int exit =
        run("audit", "verify", "--file", forged.toString(), "--trust-embedded-key", "--json");

    assertThat(exit).isEqualTo(AuditCommand.NOT_VERIFIED);
    assertThat(stdout()).contains("\"verified\":false", "no checkpoint");
  }

  /** A two-record JPN-KOR export whose chain is whole, checkpointed by {@code signer} if any. */
  private Path export(String name, NationalKey signer) throws Exception {
    List<String> lines = new ArrayList<>();
    byte[] previous = ChainHash.GENESIS;
    for (long sequence = 1; sequence <= 2; sequence++) {
      AuditEvent event =
          AuditEvent.newBuilder()
              .setEventId("forged-" + sequence)
              .setSource("gateway/gw-1")
              .setTransfer(
                  TransferRecord.newBuilder()
                      .setTransferId("t-" + sequence)
                      .setProductId("p-" + sequence))
              .build();
      byte[] bytes = event.toByteArray();
      byte[] hash = ChainHash.link("JPN-KOR", sequence, previous, bytes);
      QueryRecordsResponse record =
          QueryRecordsResponse.newBuilder()
              .setRelationship("JPN-KOR")
              .setSequence(sequence)
              .setEvent(event)
              .setEventBytes(ByteString.copyFrom(bytes))
              .setEventDigest(ByteString.copyFrom(ChainHash.digest(bytes)))
              .setHash(ByteString.copyFrom(hash))
              .build();
      lines.add(line(ExportLine.newBuilder().setRecord(record).build()));
      previous = hash;
    }
    ExportSummary.Builder summary =
        ExportSummary.newBuilder().setRelationship("JPN-KOR").setRecords(2);
    if (signer != null) {
      Checkpoint checkpoint =
          new CheckpointSigner(signer)
              .sign("JPN-KOR", 2, previous, Instant.parse("2026-11-26T00:00:00Z"));
      summary.setCheckpoint(
          org.alliedexchange.api.audit.v1.Checkpoint.newBuilder()
              .setRelationship(checkpoint.relationship())
              .setSequence(checkpoint.sequence())
              .setHeadHash(ByteString.copyFrom(checkpoint.headHash()))
              .setIssuedAt(WireMapping.timestamp(checkpoint.issuedAt()))
              .setKeyId(signer.keyId())
              .setSignature(ByteString.copyFrom(checkpoint.signature()))
              .setPublicKeyPem(signer.publicKeyPem()));
    }
    lines.add(line(ExportLine.newBuilder().setSummary(summary).build()));
    return Files.write(dir.resolve(name), lines);
  }

  private static String line(ExportLine line) throws Exception {
    return JsonFormat.printer().omittingInsignificantWhitespace().print(line);
  }

  private static String fingerprint(NationalKey key) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(key.keyPair().getPublic().getEncoded()));
  }

  private int run(String... args) {
    return Allied.commandLine(new ByteArrayInputStream(new byte[0]), out, err, Clock.systemUTC())
        .execute(args);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }
}
