package org.alliedexchange.cli;

import static org.alliedexchange.cli.AuditCommand.JSON;
import static org.alliedexchange.cli.AuditCommand.NOT_VERIFIED;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.alliedexchange.api.audit.v1.GetCheckpointResponse;
import org.alliedexchange.api.audit.v1.GetComplianceReportResponse;
import org.alliedexchange.audit.chain.SignedReportVerifier;
import org.alliedexchange.cli.AuditCommand.AuditRefused;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `allied audit verify-report FILE`: checks a signed compliance report, as the other nation
 * receives it: the audit service's signature over its figures, and the checkpoint it names.
 */
@Command(
    name = "verify-report",
    mixinStandardHelpOptions = true,
    description = {
      "Check a signed compliance report (`allied audit report --output`, or the console's download):"
          + " that the audit service's key signed exactly these figures, and that the checkpoint it"
          + " names is one the audit service signed and issued.",
      "The key trusted is --key (the audit service's checkpoint-key.pub.pem), or else the one the"
          + " audit service presents through the gateway. Prints the figures' digest: the KOR and"
          + " JPN auditors' reports of one relationship and period hold the same figures when their"
          + " digests are equal."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:verified",
      "1:the check could not be made",
      "3:NOT verified (not a report, tampered, another key, an unknown checkpoint), or"
          + " --same-as found different figures"
    })
final class AuditVerifyReportCommand extends AuditorCommand {

  @Parameters(index = "0", paramLabel = "FILE", description = "The signed report (JSON).")
  Path file;

  @Option(
      names = "--key",
      paramLabel = "PEM",
      description =
          "The audit service's public key to trust (its checkpoint-key.pub.pem); without it, the"
              + " key the audit service presents through the gateway.")
  Path key;

  @Option(
      names = "--offline",
      description =
          "Do not ask the audit service: check the checkpoint by its signature only (needs --key).")
  boolean offline;

  @Option(
      names = "--same-as",
      paramLabel = "OTHER",
      description =
          "Another auditor's signed report: also check it, and that both hold the same figures.")
  Path other;

  @Option(names = "--json", description = "The verdict as JSON.")
  boolean json;

  private static final JsonFormat.Parser CHECKPOINT = JsonFormat.parser().ignoringUnknownFields();

  @Override
  int run(PrintWriter out) throws Exception {
    if (offline && key == null) {
      throw new AuditRefused(
          "--offline needs --key: the audit service's checkpoint-key.pub.pem to trust");
    }
    SignedReportVerifier.Result result = verify(file);
    SignedReportVerifier.Result second = other == null ? null : verify(other);
    boolean same =
        second != null
            && result.verified()
            && second.verified()
            && result
                .report()
                .getSignature()
                .getFiguresDigest()
                .equals(second.report().getSignature().getFiguresDigest());
    boolean verified = result.verified() && (second == null || same);
    if (json) {
      Map<String, Object> verdict = new LinkedHashMap<>();
      verdict.put("verified", verified);
      put(verdict, "", result);
      if (second != null) {
        put(verdict, "other", second);
        verdict.put("sameFigures", same);
      }
      out.println(JSON.writeValueAsString(verdict));
    } else {
      print(out, file, result);
      if (second != null) {
        print(out, other, second);
        if (result.verified() && second.verified()) {
          out.println(
              same
                  ? "SAME FIGURES: both reports hold the figures with digest "
                      + result.report().getSignature().getFiguresDigest()
                  : "DIFFERENT FIGURES: the reports' figures differ (digests "
                      + result.report().getSignature().getFiguresDigest()
                      + " and "
                      + second.report().getSignature().getFiguresDigest()
                      + "): compare their relationship, period and checkpoint");
        }
      }
    }
    return verified ? 0 : NOT_VERIFIED;
  }

  private SignedReportVerifier.Result verify(Path path) throws Exception {
    GetComplianceReportResponse report;
    try {
      report = SignedReportVerifier.read(readBounded(path));
    } catch (SignedReportVerifier.Malformed e) {
      return new SignedReportVerifier.Result(
          false, SignedReportVerifier.Failure.MALFORMED, e.getMessage(), java.util.List.of(), null);
    }
    PublicKey trusted = trustedKey(report.getRelationship());
    try {
      return verifyAgainst(report, trusted);
    } catch (SignedReportVerifier.LookupFailed e) {
      throw new AuditRefused(e.getMessage()); // exit 1: the check could not be made
    }
  }

  private SignedReportVerifier.Result verifyAgainst(
      GetComplianceReportResponse report, PublicKey trusted) throws Exception {
    return SignedReportVerifier.verify(
        report,
        trusted,
        offline
            ? null
            : (relationship, sequence) -> {
              try {
                return checkpoint(relationship, sequence);
              } catch (AuditRefused e) {
                if (e.getMessage().startsWith("NOT_FOUND")) {
                  return null;
                }
                throw e;
              }
            });
  }

  /** At most one byte past the limit is read: a huge file is refused without filling memory. */
  private static byte[] readBounded(Path path) throws Exception {
    try (InputStream in = Files.newInputStream(path)) {
      return in.readNBytes(SignedReportVerifier.MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new AuditRefused("no such file: " + path);
    } catch (java.io.IOException e) {
      throw new AuditRefused("cannot read " + path + ": " + e.getMessage());
    }
  }

  private PublicKey trustedKey(String relationship) throws Exception {
    if (key != null) {
      try {
        return NationalKey.publicKey(Files.readString(key));
      } catch (IllegalArgumentException | java.io.IOException e) {
        throw new AuditRefused(
            "--key " + key + " is not the audit service's public key (PEM): " + e.getMessage());
      }
    }
    org.alliedexchange.api.audit.v1.Checkpoint latest = checkpoint(relationship, 0);
    if (latest == null || latest.getPublicKeyPem().isEmpty()) {
      throw new AuditRefused(
          "the audit service has issued no checkpoint of "
              + relationship
              + ", so it presents no key: give --key with its checkpoint-key.pub.pem");
    }
    return NationalKey.publicKey(latest.getPublicKeyPem());
  }

  /** The checkpoint the audit service issued at a record (0: its latest); null when none. */
  private org.alliedexchange.api.audit.v1.Checkpoint checkpoint(String relationship, long sequence)
      throws Exception {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("relationship", relationship);
    if (sequence > 0) {
      parameters.put("sequence", Long.toString(sequence));
    }
    GetCheckpointResponse.Builder answer = GetCheckpointResponse.newBuilder();
    try {
      CHECKPOINT.merge(getString("checkpoint", parameters), answer);
    } catch (InvalidProtocolBufferException e) {
      throw new AuditRefused("the gateway's answer is not a checkpoint: " + e.getMessage());
    }
    return answer.hasCheckpoint() ? answer.getCheckpoint() : null;
  }

  private static void print(PrintWriter out, Path path, SignedReportVerifier.Result result) {
    String name = SignedReportVerifier.printable(path.toString(), 200);
    if (!result.verified()) {
      out.println(
          "NOT VERIFIED ("
              + result.failure().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
              + "): "
              + name
              + ": "
              + result.detail());
    } else {
      var report = result.report();
      var balance = report.getBalance();
      out.println("VERIFIED: " + name + ": " + result.detail());
      out.println(
          "  "
              + report.getRelationship()
              + ", "
              + report.getFromDay()
              + " to "
              + report.getToDay()
              + ": released "
              + balance.getA()
              + "->"
              + balance.getB()
              + " "
              + balance.getAToB()
              + ", "
              + balance.getB()
              + "->"
              + balance.getA()
              + " "
              + balance.getBToA()
              + "; refused "
              + report.getFlowsList().stream().mapToLong(f -> f.getRefused()).sum()
              + (report.hasCheckpoint()
                  ? "; checkpoint at record "
                      + report.getCheckpoint().getSequence()
                      + " issued "
                      + WireMapping.instant(report.getCheckpoint().getIssuedAt())
                  : ""));
      if (report.hasLabel()) {
        // the gateway marks each copy for its reader after the audit service signed it
        out.println(
            "  marking "
                + SignedReportVerifier.printable(report.getLabel().getMarking(), 100)
                + " ("
                + report.getLabel().getLevel().name().replace("CLASSIFICATION_LEVEL_", "")
                + "): this copy's marking, NOT covered by the signature");
      }
    }
    result.notes().forEach(note -> out.println("  note: " + note));
  }

  private static void put(
      Map<String, Object> verdict, String prefix, SignedReportVerifier.Result result) {
    String p = prefix.isEmpty() ? "" : prefix + ".";
    verdict.put(p + "failure", result.failure().name());
    verdict.put(p + "detail", result.detail());
    verdict.put(p + "notes", result.notes());
    if (result.report() != null) {
      verdict.put(p + "relationship", result.report().getRelationship());
      verdict.put(p + "from", result.report().getFromDay());
      verdict.put(p + "to", result.report().getToDay());
      verdict.put(p + "figuresDigest", result.report().getSignature().getFiguresDigest());
      verdict.put(
          p + "checkpointSequence",
          result.report().hasCheckpoint() ? result.report().getCheckpoint().getSequence() : 0);
    }
  }
}
