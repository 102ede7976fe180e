package org.alliedexchange.cli;

import static org.alliedexchange.cli.AuditCommand.JSON;

import java.io.PrintWriter;
import java.util.Map;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.cli.AuditCommand.Filters;
import org.alliedexchange.label.WireMapping;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/** `allied audit query`: one page of records, a line each. */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    description = {
      "List audit records, oldest first, one page at a time.",
      "Prints one line per record (or, with --json, one JSON record per line); the next page's cursor goes to stderr."
    })
final class AuditQueryCommand extends AuditorCommand {
  @Mixin Filters filters;

  @Option(
      names = "--page-size",
      defaultValue = "100",
      description = "Records per page, 1 to 1000 (default ${DEFAULT-VALUE}).")
  int pageSize;

  @Option(names = "--cursor", description = "Resume after this cursor (from the previous page).")
  String cursor;

  @Option(
      names = "--json",
      description = "One JSON record per line (the gateway's JSON), for scripts.")
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
      err.println(
          "withheld by the gateway: "
              + page.path("withheld").asLong()
              + " ("
              + page.path("withheldReasons").asString("")
              + ")");
    }
    if (!page.path("nextCursor").isNull() && !page.path("nextCursor").isMissingNode()) {
      err.println("more: --cursor " + page.path("nextCursor").asString());
    }
    return 0;
  }

  static String line(JsonNode record) {
    String where =
        record.path("relationship").asString() + " #" + record.path("sequence").asString();
    if (record.path("redacted").asBoolean(false)) {
      return where + "  (above your clearance: chain link only)";
    }
    JsonNode event = record.path("event");
    String at = event.path("occurredAt").asString("");
    JsonNode transfer = event.path("transfer");
    String marking =
        record
            .path("label")
            .path("release")
            .path("marking")
            .asString(record.path("label").path("marking").asString(""));
    if (!transfer.isMissingNode() && !transfer.isEmpty()) {
      StringBuilder reasons = new StringBuilder();
      transfer
          .path("reasons")
          .forEach(
              r ->
                  reasons
                      .append(reasons.length() == 0 ? "" : ",")
                      .append(WireMapping.shortName(DenyReason.class, r.asString())));
      return where
          + "  "
          + at
          + "  "
          + WireMapping.shortName(
              org.alliedexchange.api.audit.v1.Decision.class,
              transfer.path("decision").asString(""))
          + "  "
          + transfer.path("label").path("originator").asString("?")
          + "->"
          + transfer.path("recipientNation").asString("?")
          + "  "
          + transfer.path("recipientSystem").asString("")
          + "  "
          + product(transfer)
          + "  "
          + transfer.path("label").path("marking").asString("")
          + "  ["
          + marking
          + "]"
          + (reasons.length() == 0 ? "" : "  " + reasons);
    }
    for (String kind :
        new String[] {
          "agreementStatusChanged", "identityChanged", "releasabilityAmended", "bindingViolation"
        }) {
      if (!event.path(kind).isMissingNode() && !event.path(kind).isEmpty()) {
        return where
            + "  "
            + at
            + "  "
            + kind
            + "  "
            + JSON.writeValueAsString(event.path(kind))
            + "  ["
            + marking
            + "]";
      }
    }
    return where + "  " + at + "  [" + marking + "]";
  }

  /**
   * The product a transfer record is about; for a summary of withheld rows, how many it stands for
   * (its product ids are in --json, and a search by --product finds it).
   */
  private static String product(JsonNode transfer) {
    String product = transfer.path("productId").asString("");
    long withheld = transfer.path("withheldCount").asLong(0);
    if (!product.isEmpty() || withheld == 0) {
      return product;
    }
    return "(" + withheld + (withheld == 1 ? " row" : " rows") + " withheld)";
  }
}
