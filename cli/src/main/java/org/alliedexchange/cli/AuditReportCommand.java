package org.alliedexchange.cli;

import static org.alliedexchange.cli.AuditCommand.JSON;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.label.WireMapping;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/** `allied audit report`: a relationship's compliance report, as text or JSON. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "The bilateral compliance report of a relationship for a period (default: the last 30 days),"
            + " signed by the audit service; --output keeps it as a file.")
final class AuditReportCommand extends AuditorCommand {
  @Option(
      names = "--relationship",
      required = true,
      paramLabel = "R",
      description = "The relationship, e.g. JPN-KOR.")
  String relationship;

  @Option(names = "--from", paramLabel = "DAY", description = "The first day, e.g. 2026-11-01.")
  String from;

  @Option(names = "--to", paramLabel = "DAY", description = "The last day, included.")
  String to;

  @Option(names = "--json", description = "The report as JSON, for scripts.")
  boolean json;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description =
          "Also write the report, signed by the audit service, to FILE: the document to keep and"
              + " to compare with the other nation's (check one with `allied audit verify-report`).")
  Path output;

  @Override
  int run(PrintWriter out) throws Exception {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("relationship", relationship);
    if (from != null) {
      parameters.put("from", from);
    }
    if (to != null) {
      parameters.put("to", to);
    }
    if (output != null) {
      parameters.put("format", "signed");
    }
    String body = getString("report", parameters);
    if (output != null) {
      // written whole or not at all: a half-written report would fail its check for no reason
      Path absolute = output.toAbsolutePath();
      Path partial =
          Files.createTempFile(
              absolute.getParent() == null ? Path.of(".") : absolute.getParent(),
              ".report-",
              ".partial");
      try {
        Files.writeString(partial, body, StandardCharsets.UTF_8);
        Files.move(
            partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(partial);
      }
    }
    if (json) {
      out.println(body);
      return 0;
    }
    JsonNode report = JSON.readTree(body);
    out.println(
        "Compliance report "
            + report.path("relationship").asString()
            + ", "
            + report.path("fromDay").asString()
            + " to "
            + report.path("toDay").asString()
            + " (marked "
            + report.path("label").path("release").path("marking").asString("")
            + ")");
    JsonNode balance = report.path("balance");
    out.println(
        "  released "
            + balance.path("a").asString()
            + "->"
            + balance.path("b").asString()
            + ": "
            + balance.path("aToB").asString("0")
            + ", "
            + balance.path("b").asString()
            + "->"
            + balance.path("a").asString()
            + ": "
            + balance.path("bToA").asString("0")
            + ", balance "
            + balance.path("difference").asString("0"));
    out.println("  flows:");
    for (JsonNode flow : report.path("flows")) {
      out.println(
          "    "
              + flow.path("from").asString()
              + "->"
              + flow.path("to").asString()
              + "  "
              + WireMapping.shortName(
                  org.alliedexchange.api.label.v1.ClassificationLevel.class,
                  flow.path("level").asString())
              + "  released "
              + flow.path("released").asString("0")
              + ", refused "
              + flow.path("refused").asString("0"));
    }
    out.println("  refusals:");
    for (JsonNode refusal : report.path("refusals")) {
      out.println(
          "    "
              + refusal.path("from").asString()
              + "->"
              + refusal.path("to").asString()
              + "  "
              + WireMapping.shortName(DenyReason.class, refusal.path("reason").asString())
              + "  "
              + refusal.path("count").asString("0"));
    }
    out.println("  agreement changes:");
    for (JsonNode change : report.path("agreementChanges")) {
      out.println(
          "    "
              + change.path("effectiveAt").asString()
              + "  "
              + change.path("agreementId").asString()
              + "  "
              + WireMapping.shortName(
                  org.alliedexchange.api.audit.v1.AgreementStatus.class,
                  change.path("previousStatus").asString())
              + " -> "
              + WireMapping.shortName(
                  org.alliedexchange.api.audit.v1.AgreementStatus.class,
                  change.path("status").asString())
              + "  by "
              + change.path("changedBy").asString()
              + ": "
              + change.path("reason").asString());
    }
    out.println("  identity changes: " + JSON.writeValueAsString(report.path("identityChanges")));
    // events the audit service could not store: each an alarm
    out.println(
        "  dead letters: "
            + report.path("deadLetters").asString("0")
            + " (and "
            + report.path("unattributedDeadLetters").asString("0")
            + " unattributed, shown in every report)");
    JsonNode checkpoint = report.path("checkpoint");
    out.println(
        "  checkpoint: "
            + (checkpoint.isMissingNode() || checkpoint.isNull() || checkpoint.isEmpty()
                ? "none issued yet"
                : "record "
                    + checkpoint.path("sequence").asString()
                    + " at "
                    + checkpoint.path("issuedAt").asString()
                    + ", signature "
                    + (report.path("checkpointSignatureValid").asBoolean(false)
                        ? "valid"
                        : "INVALID")));
    JsonNode signature = report.path("signature");
    if (!signature.path("value").asString("").isEmpty()) {
      out.println(
          "  signed by the audit service, key "
              + signature.path("keyId").asString()
              + ", for "
              + signature.path("requestedBy").asString()
              + "; figures digest "
              + signature.path("figuresDigest").asString());
    }
    if (output != null) {
      out.println(
          "signed report written to "
              + output
              + " (check it with `allied audit verify-report "
              + output
              + "`)");
    }
    return 0;
  }
}
