package org.alliedexchange.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.audit.chain.ExportVerifier;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `allied audit ...`: the auditors' terminal, over the gateway's auditors' API. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {"Query, export, report on and verify the audit log, as an auditor.",
        "The gateway is named by --gateway or ALLIED_GATEWAY_URL (default: the local federation's, else http://127.0.0.1:8443); the "
            + "auditor's realm token by --token-file or ALLIED_TOKEN (`./allied login --user NAME` prints one). An auditor sees only "
            + "the relationships its own nation is party to."},
    subcommands = {AuditCommand.Query.class, AuditCommand.Export.class, AuditCommand.Report.class, AuditCommand.Verify.class})
final class AuditCommand {

  /** Exit code of `verify` when the chain or the file does not verify. */
  static final int NOT_VERIFIED = 3;
  static final JsonMapper JSON = Json.MAPPER;

  /** How to reach the gateway as an auditor. */
  static final class GatewayOptions {
    @Option(names = "--gateway", paramLabel = "URL", description = "The gateway (default: ALLIED_GATEWAY_URL, else http://127.0.0.1:8443).")
    URI gateway;

    @Option(names = "--token-file", paramLabel = "FILE", description = "A file holding the auditor's access token (default: ALLIED_TOKEN; "
        + "`./allied login --user NAME` prints one).")
    Path tokenFile;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The local federation's data directory, for its gateway's address.")
    Path dataDir;

    URI base() {
      if (gateway != null) {
        return gateway;
      }
      String configured = System.getenv("ALLIED_GATEWAY_URL");
      if (configured != null && !configured.isBlank()) {
        return URI.create(configured.trim());
      }
      String local = LocalState.readOrEmpty(dataDir).path("gateway").asString("");
      try {
        return URI.create(local.isEmpty() ? "http://127.0.0.1:8443" : local);
      } catch (IllegalArgumentException e) {
        return URI.create("http://127.0.0.1:8443");
      }
    }

    String token() throws IOException {
      String token = tokenFile != null ? Files.readString(tokenFile).trim() : System.getenv("ALLIED_TOKEN");
      if (token == null || token.isBlank()) {
        throw new AuditRefused("no token: pass --token-file FILE or set ALLIED_TOKEN to an auditor's access token");
      }
      return token.trim();
    }
  }

  /** The filters every record query takes. */
  static final class Filters {
    @Option(names = "--relationship", paramLabel = "R", description = "One relationship, e.g. JPN-KOR (or KOR for one nation's own records).")
    String relationship;
    @Option(names = "--from", paramLabel = "WHEN", description = "From this day (2026-11-01) or instant (2026-11-01T09:00:00Z).")
    String from;
    @Option(names = "--to", paramLabel = "WHEN", description = "To this day (included) or instant (excluded).")
    String to;
    @Option(names = "--decision", paramLabel = "D", description = "permit or deny.")
    String decision;
    @Option(names = "--reason", paramLabel = "REASON", description = "A refusal reason, e.g. LEVEL_NOT_COVERED.")
    String reason;
    @Option(names = "--level", paramLabel = "LEVEL", description = "The product's level, e.g. SECRET.")
    String level;
    @Option(names = "--from-nation", paramLabel = "N", description = "Transfers from this nation.")
    String fromNation;
    @Option(names = "--to-nation", paramLabel = "N", description = "Transfers to this nation.")
    String toNation;
    @Option(names = "--system", paramLabel = "ID", description = "Transfers to this system.")
    String system;
    @Option(names = "--product", paramLabel = "ID", description = "Records of this product.")
    String product;

    Map<String, String> parameters() {
      Map<String, String> parameters = new LinkedHashMap<>();
      put(parameters, "relationship", relationship);
      put(parameters, "from", from);
      put(parameters, "to", to);
      put(parameters, "decision", decision);
      put(parameters, "reason", reason);
      put(parameters, "level", level);
      put(parameters, "from-nation", fromNation);
      put(parameters, "to-nation", toNation);
      put(parameters, "system", system);
      put(parameters, "product", product);
      return parameters;
    }

    private static void put(Map<String, String> parameters, String name, String value) {
      if (value != null && !value.isBlank()) {
        parameters.put(name, value.trim());
      }
    }
  }

  /** What the gateway refused, or why the command could not ask: one line, exit 1. */
  static final class AuditRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AuditRefused(String message) {
      super(message, null, false, false);
    }
  }

  abstract static class AuditorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOptions gateway;

    abstract int run(PrintWriter out) throws Exception;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      try {
        int code = run(spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        return code;
      } catch (AuditRefused e) {
        err.println("allied audit " + spec.name() + ": " + e.getMessage());
        return 1;
      } catch (IOException e) {
        err.println("allied audit " + spec.name() + ": cannot reach the gateway at " + gateway.base() + ": " + e);
        return 1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      } catch (Exception e) {
        err.println("allied audit " + spec.name() + ": " + e.getMessage());
        return 1;
      }
    }

    /** GETs an auditors' API path and returns its body; a refusal becomes AuditRefused with the gateway's gRPC code and message. */
    InputStream open(String path, Map<String, String> parameters) throws Exception {
      StringBuilder query = new StringBuilder();
      parameters.forEach((name, value) -> query.append(query.length() == 0 ? "?" : "&").append(name).append('=')
          .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
      URI base = gateway.base();
      HttpRequest request = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/+$", "") + "/audit/v1/" + path + query))
          .header("Authorization", "Bearer " + gateway.token()).timeout(Duration.ofMinutes(30)).GET().build();
      // HTTP/1.1: the gateway's HTTP/2 is for gRPC; plain requests need no upgrade
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() == 200) {
        return response.body();
      }
      String text;
      try (InputStream in = response.body()) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      String message;
      try {
        JsonNode error = JSON.readTree(text);
        message = error.path("error").asString("HTTP " + response.statusCode()) + ": " + error.path("message").asString("");
      } catch (RuntimeException notJson) {
        message = "HTTP " + response.statusCode() + ": " + text;
      }
      throw new AuditRefused(message);
    }

    String getString(String path, Map<String, String> parameters) throws Exception {
      try (InputStream in = open(path, parameters)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
  }

  @Command(name = "query", mixinStandardHelpOptions = true,
      description = {"List audit records, oldest first, one page at a time.",
          "Prints one line per record (or, with --json, one JSON record per line); the next page's cursor goes to stderr."})
  static final class Query extends AuditorCommand {
    @Mixin
    Filters filters;

    @Option(names = "--page-size", defaultValue = "100", description = "Records per page, 1 to 1000 (default ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--cursor", description = "Resume after this cursor (from the previous page).")
    String cursor;

    @Option(names = "--json", description = "One JSON record per line (the gateway's JSON), for scripts.")
    boolean json;

    @Override
    int run(PrintWriter out) throws Exception {
      Map<String, String> parameters = filters.parameters();
      parameters.put("page-size", Integer.toString(pageSize));
      if (cursor != null) {
        parameters.put("cursor", cursor);
      }
      JsonNode page = JSON.readTree(getString("records", parameters));
      for (JsonNode record : page.path("records")) {
        out.println(json ? JSON.writeValueAsString(record) : line(record));
      }
      PrintWriter err = spec.commandLine().getErr();
      if (page.path("withheld").asLong(0) > 0) {
        err.println("withheld by the gateway: " + page.path("withheld").asLong() + " (" + page.path("withheldReasons").asString("") + ")");
      }
      if (!page.path("nextCursor").isNull() && !page.path("nextCursor").isMissingNode()) {
        err.println("more: --cursor " + page.path("nextCursor").asString());
      }
      return 0;
    }

    static String line(JsonNode record) {
      String where = record.path("relationship").asString() + " #" + record.path("sequence").asString();
      if (record.path("redacted").asBoolean(false)) {
        return where + "  (above your clearance: chain link only)";
      }
      JsonNode event = record.path("event");
      String at = event.path("occurredAt").asString("");
      JsonNode transfer = event.path("transfer");
      String marking = record.path("label").path("release").path("marking").asString(record.path("label").path("marking").asString(""));
      if (!transfer.isMissingNode() && !transfer.isEmpty()) {
        StringBuilder reasons = new StringBuilder();
        transfer.path("reasons").forEach(r -> reasons.append(reasons.length() == 0 ? "" : ",").append(WireMapping.shortName(DenyReason.class, r.asString())));
        return where + "  " + at + "  " + transfer.path("decision").asString("").replace("DECISION_", "") + "  "
            + transfer.path("label").path("originator").asString("?") + "->" + transfer.path("recipientNation").asString("?") + "  "
            + transfer.path("recipientSystem").asString("") + "  " + transfer.path("productId").asString("") + "  "
            + transfer.path("label").path("marking").asString("") + "  [" + marking + "]" + (reasons.length() == 0 ? "" : "  " + reasons);
      }
      for (String kind : new String[] {"agreementStatusChanged", "identityChanged", "releasabilityAmended", "bindingViolation"}) {
        if (!event.path(kind).isMissingNode() && !event.path(kind).isEmpty()) {
          return where + "  " + at + "  " + kind + "  " + JSON.writeValueAsString(event.path(kind)) + "  [" + marking + "]";
        }
      }
      return where + "  " + at + "  [" + marking + "]";
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = {"Export every matching record, streamed, as CSV or JSON Lines.",
          "A JSON Lines export of one whole relationship ends with the checkpoint taken before it, so `allied audit verify --file` "
              + "can check it on its own."})
  static final class Export extends AuditorCommand {
    @Mixin
    Filters filters;

    @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or csv (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--output", paramLabel = "FILE", description = "Write to FILE (default: standard output).")
    Path output;

    @Override
    int run(PrintWriter out) throws Exception {
      Map<String, String> parameters = filters.parameters();
      parameters.put("format", format);
      if (output == null) {
        try (java.io.Reader in = new java.io.InputStreamReader(open("export", parameters), StandardCharsets.UTF_8)) {
          in.transferTo(out);
        }
        out.flush();
      } else {
        Path partial = output.resolveSibling(output.getFileName() + ".partial");
        try (InputStream in = open("export", parameters)) {
          Files.copy(in, partial, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        // only a whole export takes the name: a cut-off download never looks like one
        Files.move(partial, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        spec.commandLine().getErr().println("exported to " + output);
      }
      return 0;
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true,
      description = "The bilateral compliance report of a relationship for a period (default: the last 30 days).")
  static final class Report extends AuditorCommand {
    @Option(names = "--relationship", required = true, paramLabel = "R", description = "The relationship, e.g. JPN-KOR.")
    String relationship;
    @Option(names = "--from", paramLabel = "DAY", description = "The first day, e.g. 2026-11-01.")
    String from;
    @Option(names = "--to", paramLabel = "DAY", description = "The last day, included.")
    String to;
    @Option(names = "--json", description = "The report as JSON, for scripts.")
    boolean json;

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
      String body = getString("report", parameters);
      if (json) {
        out.println(body);
        return 0;
      }
      JsonNode report = JSON.readTree(body);
      out.println("Compliance report " + report.path("relationship").asString() + ", " + report.path("fromDay").asString() + " to "
          + report.path("toDay").asString() + " (marked " + report.path("label").path("release").path("marking").asString("") + ")");
      JsonNode balance = report.path("balance");
      out.println("  released " + balance.path("a").asString() + "->" + balance.path("b").asString() + ": " + balance.path("aToB").asString("0")
          + ", " + balance.path("b").asString() + "->" + balance.path("a").asString() + ": " + balance.path("bToA").asString("0")
          + ", balance " + balance.path("difference").asString("0"));
      out.println("  flows:");
      for (JsonNode flow : report.path("flows")) {
        out.println("    " + flow.path("from").asString() + "->" + flow.path("to").asString() + "  "
            + flow.path("level").asString().replace("CLASSIFICATION_LEVEL_", "") + "  released " + flow.path("released").asString("0")
            + ", refused " + flow.path("refused").asString("0"));
      }
      out.println("  refusals:");
      for (JsonNode refusal : report.path("refusals")) {
        out.println("    " + refusal.path("from").asString() + "->" + refusal.path("to").asString() + "  "
            + WireMapping.shortName(DenyReason.class, refusal.path("reason").asString()) + "  " + refusal.path("count").asString("0"));
      }
      out.println("  agreement changes:");
      for (JsonNode change : report.path("agreementChanges")) {
        out.println("    " + change.path("effectiveAt").asString() + "  " + change.path("agreementId").asString() + "  "
            + change.path("previousStatus").asString().replace("AGREEMENT_STATUS_", "") + " -> "
            + change.path("status").asString().replace("AGREEMENT_STATUS_", "") + "  by " + change.path("changedBy").asString()
            + ": " + change.path("reason").asString());
      }
      out.println("  identity changes: " + JSON.writeValueAsString(report.path("identityChanges")));
      JsonNode checkpoint = report.path("checkpoint");
      out.println("  checkpoint: " + (checkpoint.isMissingNode() || checkpoint.isNull() || checkpoint.isEmpty() ? "none issued yet"
          : "record " + checkpoint.path("sequence").asString() + " at " + checkpoint.path("issuedAt").asString() + ", signature "
              + (report.path("checkpointSignatureValid").asBoolean(false) ? "valid" : "INVALID")));
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Verify a relationship's chain (at the audit service, through the gateway), or an exported file on its own.",
          "Names the first record that does not fit."},
      exitCodeListHeading = "Exit codes:%n",
      exitCodeList = {"0:verified", "1:the check could not be made", "3:NOT verified"})
  static final class Verify extends AuditorCommand {
    @Option(names = "--relationship", paramLabel = "R", description = "Verify this relationship's chain at the audit service.")
    String relationship;
    @Option(names = "--file", paramLabel = "FILE", description = "Verify this JSON Lines export instead, offline.")
    Path file;
    @Option(names = "--key", paramLabel = "PEM", description = "The audit service's public key to check the file's checkpoint with "
        + "(its checkpoint-key.pub.pem); without it the key the file carries is trusted.")
    Path key;
    @Option(names = "--json", description = "The verdict as JSON.")
    boolean json;

    @Override
    int run(PrintWriter out) throws Exception {
      if ((relationship == null) == (file == null)) {
        throw new AuditRefused("give either --relationship R (verify at the audit service) or --file FILE (verify an export)");
      }
      if (file != null) {
        PublicKey trusted = key == null ? null : NationalKey.publicKey(Files.readString(key));
        ExportVerifier.Result result;
        try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          result = ExportVerifier.verify(lines, trusted);
        }
        if (json) {
          Map<String, Object> verdict = new LinkedHashMap<>();
          verdict.put("verified", result.verified());
          verdict.put("recordsChecked", result.checked());
          verdict.put("firstBadSequence", result.firstBad());
          verdict.put("detail", result.detail());
          verdict.put("notes", result.notes());
          out.println(JSON.writeValueAsString(verdict));
        } else {
          out.println((result.verified() ? "VERIFIED: " : "NOT VERIFIED: ") + result.detail());
          result.notes().forEach(note -> out.println("  note: " + note));
        }
        return result.verified() ? 0 : NOT_VERIFIED;
      }
      String body = getString("verify", Map.of("relationship", relationship));
      JsonNode verdict = JSON.readTree(body);
      if (json) {
        out.println(body);
      } else {
        out.println((verdict.path("verified").asBoolean(false) ? "VERIFIED: " : "NOT VERIFIED: ") + verdict.path("detail").asString());
      }
      return verdict.path("verified").asBoolean(false) ? 0 : NOT_VERIFIED;
    }
  }
}
