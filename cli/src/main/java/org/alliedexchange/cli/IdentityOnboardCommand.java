package org.alliedexchange.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.identity.admin.IdentityAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ObjectNode;

/** `allied identity onboard`: a new national system and its secret. */
@Command(
    name = "onboard",
    mixinStandardHelpOptions = true,
    description =
        "Onboard a national system (a confidential client using client credentials) and print its secret, once.")
final class IdentityOnboardCommand extends AdministratorCommand {
  @Parameters(
      index = "0",
      paramLabel = "CLIENT_ID",
      description = "The system's client id, e.g. kor-navy-reader.")
  String clientId;

  @Option(names = "--nation", required = true, description = "ISO 3166-1 alpha-3, e.g. KOR.")
  String nation;

  @Option(
      names = "--clearance",
      required = true,
      description = "UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET or TOP_SECRET.")
  String clearance;

  @Option(
      names = "--community",
      paramLabel = "NAME",
      description = "A need-to-know community (repeatable).")
  List<String> communities = new ArrayList<>();

  @Option(
      names = "--role",
      paramLabel = "ROLE",
      required = true,
      description =
          "exchange-publish, exchange-read, hotline-relay, auditor, federation-admin (repeatable).")
  List<String> roles = new ArrayList<>();

  @Option(names = "--description", description = "What the system is.")
  String description;

  @Override
  void run(IdentityAdmin admin, PrintWriter out) {
    String secret =
        admin.onboardSystem(clientId, nation, clearance, communities, roles, description);
    if (json) {
      ObjectNode node = toJson(admin.describe(clientId));
      node.put("secret", secret);
      out.println(Json.line(node));
    } else {
      print(out, admin.describe(clientId));
      out.println("secret (shown once; store it in the system's vault): " + secret);
    }
  }
}
