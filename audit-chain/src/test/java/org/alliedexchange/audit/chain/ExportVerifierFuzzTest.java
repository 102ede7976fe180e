package org.alliedexchange.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.ExportLine;
import org.alliedexchange.api.audit.v1.ExportSummary;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.label.NationalKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The offline export check on any file: it throws nothing but the reader's {@link IOException}, and
 * it verifies a file under the audit service's key only when the file carries a checkpoint signed
 * by that key and every record up to it is the genuine one. The corpus ({@code
 * ExportVerifierFuzzTestInputs/}) holds real exports of {@link #GENUINE}, signed by {@link
 * #AUDIT_KEY}, and forgeries of them.
 */
class ExportVerifierFuzzTest {

  /** The audit service's key, the same in every run so that the committed exports verify. */
  static final NationalKey AUDIT_KEY = fixedKey("allied-exchange fuzz corpus: audit");

  static final String RELATIONSHIP = "JPN-KOR";

  /** The genuine chain: four transfers, the third one redacted for the exporting auditor. */
  static final List<QueryRecordsResponse> GENUINE = genuineChain();

  private static final AtomicLong INPUTS = new AtomicLong();

  @FuzzTest
  @Timeout(10)
  void onlyTheGenuineChainVerifies(byte[] file) throws IOException {
    INPUTS.incrementAndGet();
    ExportVerifier.Result result =
        ExportVerifier.verify(
            new BufferedReader(new StringReader(new String(file, StandardCharsets.UTF_8))),
            AUDIT_KEY.keyPair().getPublic());
    if (!result.verified()) {
      assertThat(result.detail()).as("a refusal says why").isNotBlank();
      return;
    }
    List<QueryRecordsResponse> records = new ArrayList<>();
    ExportSummary summary = read(file, records);
    assertThat(summary.hasCheckpoint())
        .as("verified with no checkpoint: anyone could have written it")
        .isTrue();
    var checkpoint = summary.getCheckpoint();
    assertThat(checkpoint.getRelationship()).isEqualTo(RELATIONSHIP);
    assertThat(checkpoint.getSequence()).isBetween(1L, (long) GENUINE.size());
    assertThat(records.size()).isGreaterThanOrEqualTo((int) checkpoint.getSequence());
    for (QueryRecordsResponse record : records.subList(0, (int) checkpoint.getSequence())) {
      QueryRecordsResponse genuine = GENUINE.get((int) record.getSequence() - 1);
      assertThat(record.getHash())
          .as("record " + record.getSequence())
          .isEqualTo(genuine.getHash());
      assertThat(digest(record)).isEqualTo(genuine.getEventDigest());
      if (!record.getRedacted()) {
        assertThat(record.getEvent())
            .as("the readable event of record " + record.getSequence())
            .isEqualTo(AuditEvent.parseFrom(genuine.getEventBytes()));
      }
    }
  }

  @Test
  void theGenuineExportVerifiesAndTheChangedOneDoesNot() throws IOException {
    assertThat(verify(seed("genuine-export")).verified()).isTrue();
    assertThat(verify(seed("record-2-changed")).verified()).isFalse();
  }

  @Test
  void aFileCarryingAKeyOffTheCurveIsRefusedNotThrown() throws IOException {
    // trusting the file's own key (--trust-embedded-key): the file chooses the key
    byte[] encoded = AUDIT_KEY.keyPair().getPublic().getEncoded();
    encoded[encoded.length - 1] ^= 1;
    String offTheCurve =
        "-----BEGIN PUBLIC KEY-----\n"
            + java.util.Base64.getMimeEncoder().encodeToString(encoded)
            + "\n-----END PUBLIC KEY-----\n";
    String genuine = export(GENUINE, true);
    String pem = AUDIT_KEY.publicKeyPem();
    String printedPem =
        JsonFormat.printer()
            .print(com.google.protobuf.Value.newBuilder().setStringValue(pem).build());
    String printedBad =
        JsonFormat.printer()
            .print(com.google.protobuf.Value.newBuilder().setStringValue(offTheCurve).build());
    assertThat(genuine).contains(printedPem);
    String file = genuine.replace(printedPem, printedBad);

    ExportVerifier.Result result =
        ExportVerifier.verify(new BufferedReader(new StringReader(file)), null);

    assertThat(result.verified()).isFalse();
    assertThat(result.detail())
        .startsWith("the checkpoint's public key cannot be read: not an EC P-256 public key");
  }

  @AfterAll
  static void theFuzzerRan() {
    FuzzRuns.assertRan(INPUTS.get());
  }

  /** The file as JSON Lines: a line per record, then the summary; signed at record 3. */
  static String export(List<QueryRecordsResponse> records, boolean withCheckpoint)
      throws IOException {
    JsonFormat.Printer json = JsonFormat.printer().omittingInsignificantWhitespace();
    StringBuilder file = new StringBuilder();
    for (QueryRecordsResponse record : records) {
      file.append(json.print(ExportLine.newBuilder().setRecord(record))).append('\n');
    }
    ExportSummary.Builder summary =
        ExportSummary.newBuilder().setRelationship(RELATIONSHIP).setRecords(records.size());
    if (withCheckpoint) {
      Checkpoint signed =
          new CheckpointSigner(AUDIT_KEY)
              .sign(
                  RELATIONSHIP,
                  3,
                  GENUINE.get(2).getHash().toByteArray(),
                  Instant.parse("2026-11-26T10:00:00Z"));
      summary.setCheckpoint(
          org.alliedexchange.api.audit.v1.Checkpoint.newBuilder()
              .setRelationship(signed.relationship())
              .setSequence(signed.sequence())
              .setHeadHash(ByteString.copyFrom(signed.headHash()))
              .setIssuedAt(Timestamp.newBuilder().setSeconds(signed.issuedAt().getEpochSecond()))
              .setKeyId(AUDIT_KEY.keyId())
              .setSignature(ByteString.copyFrom(signed.signature()))
              .setPublicKeyPem(AUDIT_KEY.publicKeyPem()));
    }
    file.append(json.print(ExportLine.newBuilder().setSummary(summary))).append('\n');
    return file.toString();
  }

  private static List<QueryRecordsResponse> genuineChain() {
    List<QueryRecordsResponse> chain = new ArrayList<>();
    byte[] previous = ChainHash.GENESIS;
    for (int sequence = 1; sequence <= 4; sequence++) {
      String id = "0193a0c2-0000-7000-8000-00000000000" + sequence;
      AuditEvent event =
          AuditEvent.newBuilder()
              .setEventId(id)
              .setSource("gateway")
              .setOccurredAt(Timestamp.newBuilder().setSeconds(1_795_683_600L + sequence))
              .setTransfer(
                  TransferRecord.newBuilder()
                      .setTransferId(id)
                      .setDecision(Decision.DECISION_PERMIT)
                      .setProductId("p-" + sequence)
                      .setTopic("dprk.missile.launch")
                      .setSourceNation("KOR")
                      .setRecipientNation("JPN")
                      .setRecipientMarking("極秘"))
              .build();
      byte[] bytes = event.toByteArray();
      byte[] hash = ChainHash.link(RELATIONSHIP, sequence, previous, bytes);
      previous = hash;
      QueryRecordsResponse.Builder record =
          QueryRecordsResponse.newBuilder()
              .setRelationship(RELATIONSHIP)
              .setSequence(sequence)
              .setHash(ByteString.copyFrom(hash))
              .setEventDigest(ByteString.copyFrom(ChainHash.digest(bytes)))
              .setCursor("c-" + sequence);
      if (sequence == 3) {
        record.setRedacted(true);
      } else {
        record.setEvent(event).setEventBytes(ByteString.copyFrom(bytes));
      }
      chain.add(record.build());
    }
    return List.copyOf(chain);
  }

  private static ByteString digest(QueryRecordsResponse record) {
    return record.getRedacted()
        ? record.getEventDigest()
        : ByteString.copyFrom(ChainHash.digest(record.getEventBytes().toByteArray()));
  }

  /** The file's records and summary, read the way the verifier reads them. */
  private static ExportSummary read(byte[] file, List<QueryRecordsResponse> records)
      throws IOException {
    ExportSummary summary = null;
    for (String line : new String(file, StandardCharsets.UTF_8).lines().toList()) {
      if (line.isBlank()) {
        continue;
      }
      ExportLine.Builder parsed = ExportLine.newBuilder();
      JsonFormat.parser().merge(line, parsed);
      if (parsed.hasRecord()) {
        records.add(parsed.getRecord());
      } else {
        summary = parsed.getSummary();
      }
    }
    return summary;
  }

  private static ExportVerifier.Result verify(byte[] file) throws IOException {
    return ExportVerifier.verify(
        new BufferedReader(new StringReader(new String(file, StandardCharsets.UTF_8))),
        AUDIT_KEY.keyPair().getPublic());
  }

  private static byte[] seed(String name) throws IOException {
    try (var in =
        ExportVerifierFuzzTest.class.getResourceAsStream(
            "ExportVerifierFuzzTestInputs/onlyTheGenuineChainVerifies/" + name)) {
      return in.readAllBytes();
    }
  }

  /** An EC key drawn from a seeded generator: the same key on every run of the same JDK. */
  static NationalKey fixedKey(String seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(seed.getBytes(StandardCharsets.UTF_8));
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      KeyPair pair = generator.generateKeyPair();
      return new NationalKey(pair, NationalKey.keyId(pair.getPublic()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
