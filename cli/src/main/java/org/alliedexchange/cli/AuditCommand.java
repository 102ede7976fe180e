package org.alliedexchange.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/** `allied audit ...`: the auditors' terminal, over the gateway's auditors' API. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "Query, export, report on and verify the audit log, as an auditor.",
      "The gateway is named by --gateway or ALLIED_GATEWAY_URL (default: the local federation's, else http://127.0.0.1:8443); the "
          + "auditor's realm token by --token-file or ALLIED_TOKEN (`./allied login --user NAME` prints one). An auditor sees only "
          + "the relationships its own nation is party to."
    },
    subcommands = {
      AuditQueryCommand.class,
      AuditExportCommand.class,
      AuditReportCommand.class,
      AuditVerifyCommand.class,
      AuditVerifyReportCommand.class
    })
final class AuditCommand {

  /** Exit code of `verify` when the chain or the file does not verify. */
  static final int NOT_VERIFIED = 3;

  static final JsonMapper JSON = Json.MAPPER;

  /** How to reach the gateway as an auditor. */
  static final class GatewayOptions {
    @Option(
        names = "--gateway",
        paramLabel = "URL",
        description = "The gateway (default: ALLIED_GATEWAY_URL, else http://127.0.0.1:8443).")
    URI gateway;

    @Option(
        names = "--token-file",
        paramLabel = "FILE",
        description =
            "A file holding the auditor's access token (default: ALLIED_TOKEN; "
                + "`./allied login --user NAME` prints one).")
    Path tokenFile;

    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description = "The local federation's data directory, for its gateway's address.")
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
      String token =
          tokenFile != null ? Files.readString(tokenFile).trim() : System.getenv("ALLIED_TOKEN");
      if (token == null || token.isBlank()) {
        throw new AuditRefused(
            "no token: pass --token-file FILE or set ALLIED_TOKEN to an auditor's access token");
      }
      return token.trim();
    }
  }

  /** The filters every record query takes. */
  static final class Filters {
    @Option(
        names = "--relationship",
        paramLabel = "R",
        description = "One relationship, e.g. JPN-KOR (or KOR for one nation's own records).")
    String relationship;

    @Option(
        names = "--from",
        paramLabel = "WHEN",
        description = "From this day (2026-11-01) or instant (2026-11-01T09:00:00Z).")
    String from;

    @Option(
        names = "--to",
        paramLabel = "WHEN",
        description = "To this day (included) or instant (excluded).")
    String to;

    @Option(names = "--decision", paramLabel = "D", description = "permit or deny.")
    String decision;

    @Option(
        names = "--reason",
        paramLabel = "REASON",
        description = "A refusal reason, e.g. LEVEL_NOT_COVERED.")
    String reason;

    @Option(
        names = "--level",
        paramLabel = "LEVEL",
        description = "The product's level, e.g. SECRET.")
    String level;

    @Option(names = "--from-nation", paramLabel = "N", description = "Transfers from this nation.")
    String fromNation;

    @Option(names = "--to-nation", paramLabel = "N", description = "Transfers to this nation.")
    String toNation;

    @Option(names = "--system", paramLabel = "ID", description = "Transfers to this system.")
    String system;

    @Option(
        names = "--product",
        paramLabel = "ID",
        description =
            "Records of this product: its own, and summaries of withheld rows that list it.")
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
}
