package org.alliedexchange.audit.chain;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.api.audit.v1.GetComplianceReportResponse;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;

/**
 * Checks a signed compliance report file ({@code allied audit report --output}) as the other nation
 * receives it: that it is a report at all, that the audit service key the verifier trusts signed
 * exactly these figures, and that the checkpoint it names was signed by that key and, when the
 * audit service can be asked, is one it issued. A file is hostile until checked: its size, encoding
 * and nesting are bounded before it is parsed, and what it says is never printed raw.
 */
public final class SignedReportVerifier {

  /** A signed report is a few kilobytes; a file far larger is not one. */
  public static final int MAX_BYTES = 1 << 20;

  private static final int MAX_NESTING = 12;
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  /** What failed, so a script can tell the cases apart. */
  public enum Failure {
    NONE,
    /** Not a signed compliance report: unreadable, not JSON of one, or missing its signature. */
    MALFORMED,
    /** Signed by another key than the audit service's the verifier trusts. */
    WRONG_KEY,
    /** The figures (or anything else signed) changed after signing. */
    TAMPERED,
    /** The checkpoint it names is not one the trusted key signed, or not one the service issued. */
    UNKNOWN_CHECKPOINT
  }

  /**
   * @param report the report as read; null when the file could not be read as one
   */
  public record Result(
      boolean verified,
      Failure failure,
      String detail,
      List<String> notes,
      GetComplianceReportResponse report) {}

  /** Looks a checkpoint up at the audit service; null when it issued none at that record. */
  @FunctionalInterface
  public interface IssuedCheckpoints {
    org.alliedexchange.api.audit.v1.Checkpoint at(String relationship, long sequence)
        throws Exception;
  }

  /**
   * The audit service could not be asked whether it issued the report's checkpoint: the check could
   * not be made, which is not a verdict that the report is false.
   */
  public static final class LookupFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LookupFailed(String message) {
      super(message, null, false, false);
    }
  }

  /** A file that is not a signed report, with the reason in words. */
  public static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  private SignedReportVerifier() {}

  /** Reads a signed report file strictly: bounded, UTF-8, the proto3 JSON of a signed report. */
  public static GetComplianceReportResponse read(byte[] file) throws Malformed {
    if (file.length > MAX_BYTES) {
      throw new Malformed(
          "the file is "
              + file.length
              + " bytes; a signed report is at most "
              + MAX_BYTES
              + ": this is not one");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(file))
              .toString();
    } catch (CharacterCodingException e) {
      throw new Malformed("the file is not UTF-8 text, so not a signed report");
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    if (text.isBlank()) {
      throw new Malformed("the file is empty");
    }
    checkNesting(text);
    GetComplianceReportResponse.Builder report = GetComplianceReportResponse.newBuilder();
    try {
      PARSER.merge(text, report);
    } catch (InvalidProtocolBufferException | RuntimeException | StackOverflowError e) {
      throw new Malformed(
          "the file is not a signed compliance report: " + printable(e.getMessage(), 200));
    }
    if (!report.hasSignature() || report.getSignature().getValue().isEmpty()) {
      throw new Malformed(
          "the file carries no signature: it is not a report downloaded or written with"
              + " --output, or its signature was removed");
    }
    if (!ReportSigner.FORMAT.equals(report.getSignature().getFormat())) {
      throw new Malformed(
          "the file's format is \""
              + printable(report.getSignature().getFormat(), 60)
              + "\", not "
              + ReportSigner.FORMAT);
    }
    if (!Relationships.isValid(report.getRelationship())
        || !report.getRelationship().contains("-")) {
      throw new Malformed(
          "the file names no bilateral relationship (\""
              + printable(report.getRelationship(), 40)
              + "\")");
    }
    for (String day : List.of(report.getFromDay(), report.getToDay())) {
      try {
        LocalDate.parse(day);
      } catch (DateTimeParseException e) {
        throw new Malformed("the file's period names \"" + printable(day, 40) + "\", not a day");
      }
    }
    return report.build();
  }

  /**
   * @param trusted the audit service's public key as the verifier holds it
   * @param issued the audit service's checkpoints, or null when it cannot be asked (offline)
   */
  public static Result verify(
      GetComplianceReportResponse report, PublicKey trusted, IssuedCheckpoints issued) {
    List<String> notes = new ArrayList<>();
    var signature = report.getSignature();
    String trustedId = NationalKey.keyId(trusted);
    PublicKey embedded;
    try {
      embedded = NationalKey.publicKey(signature.getPublicKeyPem());
    } catch (IllegalArgumentException e) {
      return fail(
          Failure.MALFORMED,
          "the file's signing key cannot be read: " + e.getMessage(),
          notes,
          report);
    }
    notes.add("trusted key " + trustedId);
    if (!NationalKey.keyId(embedded).equals(trustedId) || !signature.getKeyId().equals(trustedId)) {
      return fail(
          Failure.WRONG_KEY,
          "signed by key "
              + NationalKey.keyId(embedded)
              + ", not by the audit service key "
              + trustedId
              + " you trust: this report is not the audit service's",
          notes,
          report);
    }
    if (!ReportSigner.verifies(report, trusted)) {
      return fail(
          Failure.TAMPERED,
          "the signature does not match the report: its figures, period or checkpoint were"
              + " changed after the audit service signed it",
          notes,
          report);
    }
    if (!ReportSigner.figuresDigest(report).equals(signature.getFiguresDigest())) {
      return fail(
          Failure.TAMPERED, "the figures' digest does not match the figures", notes, report);
    }
    if (!report.hasCheckpoint()) {
      notes.add(
          "the report names no checkpoint: the chain held no signed records when it was made");
    } else {
      var named = report.getCheckpoint();
      String where =
          "checkpoint at record " + named.getSequence() + " of " + named.getRelationship();
      Checkpoint checkpoint =
          new Checkpoint(
              named.getRelationship(),
              named.getSequence(),
              named.getHeadHash().toByteArray(),
              WireMapping.instant(named.getIssuedAt()),
              named.getSignature().toByteArray());
      if (!named.getRelationship().equals(report.getRelationship())
          || !CheckpointSigner.verifies(checkpoint, trusted)) {
        return fail(
            Failure.UNKNOWN_CHECKPOINT,
            "the " + where + " is not one the trusted key signed for " + report.getRelationship(),
            notes,
            report);
      }
      if (issued == null) {
        notes.add(
            "the "
                + where
                + " was checked by its signature only (offline): ask the audit service to confirm it was issued");
      } else {
        org.alliedexchange.api.audit.v1.Checkpoint held;
        try {
          held = issued.at(named.getRelationship(), named.getSequence());
        } catch (Exception e) {
          // no verdict on the report: a gateway that failed says nothing about the file
          throw new LookupFailed(
              "the audit service could not be asked about the "
                  + where
                  + ": "
                  + printable(String.valueOf(e.getMessage()), 200));
        }
        if (held == null) {
          return fail(
              Failure.UNKNOWN_CHECKPOINT,
              "the audit service issued no " + where + ": the report names an unknown checkpoint",
              notes,
              report);
        }
        if (!held.getHeadHash().equals(named.getHeadHash())
            || !held.getIssuedAt().equals(named.getIssuedAt())
            || !held.getSignature().equals(named.getSignature())) {
          return fail(
              Failure.UNKNOWN_CHECKPOINT,
              "the " + where + " differs from the one the audit service issued",
              notes,
              report);
        }
        notes.add("the " + where + " is one the audit service issued");
      }
    }
    return new Result(
        true,
        Failure.NONE,
        "signed by the audit service key "
            + trustedId
            + " on "
            + WireMapping.instant(signature.getSignedAt())
            + " for "
            + printable(signature.getRequestedBy(), 80)
            + "; figures digest "
            + signature.getFiguresDigest(),
        notes,
        report);
  }

  private static Result fail(
      Failure failure, String detail, List<String> notes, GetComplianceReportResponse report) {
    return new Result(false, failure, detail, notes, report);
  }

  /** Refuses JSON nested deeper than a report is, before a recursive parser meets it. */
  private static void checkNesting(String text) throws Malformed {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > MAX_NESTING) {
          throw new Malformed("the file nests deeper than a signed report does: it is not one");
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
  }

  /**
   * Text from a file, fit to print: controls, bidirectional overrides and unpaired surrogates
   * escaped, cut at {@code max} characters.
   */
  public static String printable(String text, int max) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      if (out.length() >= max) {
        return out.append('…').toString();
      }
      char c = text.charAt(i);
      boolean paired =
          Character.isHighSurrogate(c)
              && i + 1 < text.length()
              && Character.isLowSurrogate(text.charAt(i + 1));
      if (paired) {
        out.append(c).append(text.charAt(++i));
      } else if (Character.isISOControl(c)
          || Character.isSurrogate(c)
          || (c >= 0x202A && c <= 0x202E)
          || (c >= 0x2066 && c <= 0x2069)
          || c == 0x200E
          || c == 0x200F
          || c == 0x061C) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
