package org.alliedexchange.audit.chain;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.ExportLine;
import org.alliedexchange.api.audit.v1.ExportSummary;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;

/**
 * Checks an exported relationship (JSON Lines of {@link ExportLine}) on its own, with no access to
 * the audit service: every record's event matches the bytes the chain hashed, every link fits the
 * one before it from the chain's first record, and the chain reaches the head that the export's
 * checkpoint signed, with a signature that verifies under the audit service's key. Records the
 * auditor could not read come as links (a digest instead of the event) and are checked the same
 * way. Only a signed checkpoint makes a file more than something anyone could have written: a file
 * without one never verifies.
 */
public final class ExportVerifier {

  /**
   * The verdict.
   *
   * @param verified the file is a whole, unaltered chain up to a checkpoint signed by the trusted
   *     key
   * @param checked records checked
   * @param firstBad the first record that does not fit, 0 when verified
   * @param detail what was verified, or what does not fit
   * @param notes what the verdict rests on (the key trusted, records after the checkpoint, ...)
   * @param trustedKey the key the checkpoint was checked with, as "key id (SHA-256 fingerprint)";
   *     empty when the file was refused before a key was trusted
   */
  public record Result(
      boolean verified,
      long checked,
      long firstBad,
      String detail,
      List<String> notes,
      String trustedKey) {}

  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  private ExportVerifier() {}

  /**
   * @param trustedKey the audit service's public key, as the verifier holds it; null to trust the
   *     key the file carries (which proves the file is unaltered since it was signed, not who
   *     signed it: callers must ask for that explicitly and show the key's fingerprint)
   */
  public static Result verify(BufferedReader lines, PublicKey trustedKey) throws IOException {
    List<QueryRecordsResponse> records = new ArrayList<>();
    ExportSummary summary = null;
    String line;
    long number = 0;
    while ((line = lines.readLine()) != null) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      if (summary != null) {
        return fail(
            0, "line " + number + " follows the summary line: the file was appended to", List.of());
      }
      ExportLine.Builder parsed = ExportLine.newBuilder();
      try {
        PARSER.merge(line, parsed);
      } catch (InvalidProtocolBufferException e) {
        return fail(
            0, "line " + number + " is not a line of an export: " + e.getMessage(), List.of());
      }
      switch (parsed.getLineCase()) {
        case RECORD -> records.add(parsed.getRecord());
        case SUMMARY -> summary = parsed.getSummary();
        case LINE_NOT_SET -> {
          return fail(0, "line " + number + " holds neither a record nor the summary", List.of());
        }
      }
    }
    if (summary == null) {
      return fail(
          0, "the file has no summary line: it was cut short, or is not an export", List.of());
    }
    if (summary.getRelationship().isEmpty() || summary.getFiltered()) {
      return fail(
          0,
          "the file is "
              + (summary.getFiltered() ? "a filtered export" : "an export of several relationships")
              + ": only one whole relationship, exported without filters, can be checked from its first record",
          List.of());
    }
    if (summary.getRecords() != records.size()) {
      return fail(
          0,
          "the summary counts "
              + summary.getRecords()
              + " records but the file holds "
              + records.size(),
          List.of());
    }
    List<String> notes = new ArrayList<>();
    if (!summary.hasCheckpoint()) {
      return fail(
          0,
          "the file carries no checkpoint: nothing in it is signed, so anyone could have written"
              + " it; verify at the audit service (--relationship) or export again once a"
              + " checkpoint is issued",
          notes);
    }
    var signed = summary.getCheckpoint();
    PublicKey key;
    try {
      key = trustedKey != null ? trustedKey : NationalKey.publicKey(signed.getPublicKeyPem());
    } catch (IllegalArgumentException e) {
      return fail(0, "the checkpoint's public key cannot be read: " + e.getMessage(), notes);
    }
    String keyName = NationalKey.keyId(key) + " (SHA-256 " + fingerprint(key) + ")";
    if (trustedKey == null) {
      notes.add(
          "trusted the key the file carries, "
              + keyName
              + ": this shows the file is unchanged since that key signed it, not who signed it;"
              + " compare the fingerprint with the audit service's checkpoint-key.pub.pem");
    } else {
      notes.add("trusted key " + keyName);
      if (!NationalKey.keyId(trustedKey).equals(signed.getKeyId())) {
        notes.add(
            "the checkpoint names key "
                + signed.getKeyId()
                + ", not the trusted key "
                + NationalKey.keyId(trustedKey));
      }
    }
    Checkpoint checkpoint =
        new Checkpoint(
            signed.getRelationship(),
            signed.getSequence(),
            signed.getHeadHash().toByteArray(),
            WireMapping.instant(signed.getIssuedAt()),
            signed.getSignature().toByteArray());
    if (!checkpoint.relationship().equals(summary.getRelationship())) {
      return fail(
          0,
          "the checkpoint is of "
              + checkpoint.relationship()
              + ", not of the exported "
              + summary.getRelationship(),
          notes,
          keyName);
    }
    if (!CheckpointSigner.verifies(checkpoint, key)) {
      return fail(
          0,
          "the checkpoint's signature does not verify"
              + (trustedKey != null ? " under the trusted key" : "")
              + ": it was forged or changed",
          notes,
          keyName);
    }
    if (summary.getWithheld() > 0) {
      notes.add(
          summary.getWithheld()
              + " records were withheld from this export by the gateway ("
              + summary.getWithheldReasons()
              + "): each is a gap in the chain");
    }
    ChainVerifier chain = new ChainVerifier(summary.getRelationship(), checkpoint);
    for (QueryRecordsResponse record : records) {
      if (!record.getRelationship().equals(summary.getRelationship())) {
        return fail(
            chain.result().checked() + 1,
            "record "
                + record.getSequence()
                + " is of "
                + record.getRelationship()
                + ", not "
                + summary.getRelationship(),
            notes,
            keyName);
      }
      byte[] digest;
      if (record.getRedacted()) {
        digest = record.getEventDigest().toByteArray();
      } else {
        digest = ChainHash.digest(record.getEventBytes().toByteArray());
        AuditEvent stored;
        try {
          stored = AuditEvent.parseFrom(record.getEventBytes());
        } catch (InvalidProtocolBufferException e) {
          return fail(
              record.getSequence(),
              "record " + record.getSequence() + "'s stored bytes are not an event",
              notes,
              keyName);
        }
        if (!stored.equals(record.getEvent())) {
          return fail(
              record.getSequence(),
              "record "
                  + record.getSequence()
                  + " shows an event that differs from the bytes the chain"
                  + " hashed: the readable copy was changed",
              notes,
              keyName);
        }
      }
      if (!chain.accept(
          new ChainVerifier.Link(
              record.getSequence(),
              record.getEvent().getEventId(),
              digest,
              record.getHash().toByteArray()))) {
        break;
      }
    }
    ChainVerifier.Result result = chain.result();
    if (result.verified() && result.checked() > checkpoint.sequence()) {
      notes.add(
          (result.checked() - checkpoint.sequence())
              + " records after the checkpoint fit the chain but are not signed yet");
    }
    return new Result(
        result.verified(),
        result.checked(),
        result.firstBad(),
        result.detail(),
        List.copyOf(notes),
        keyName);
  }

  private static Result fail(long firstBad, String detail, List<String> notes) {
    return fail(firstBad, detail, notes, "");
  }

  private static Result fail(long firstBad, String detail, List<String> notes, String keyName) {
    return new Result(false, 0, firstBad, detail, List.copyOf(notes), keyName);
  }

  /** The whole SHA-256 of the key's encoding, to compare with the key an auditor holds. */
  static String fingerprint(PublicKey key) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
