package org.alliedexchange.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.identity.admin.IdentityAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ObjectNode;

/** `allied identity add-person`: a new person and their initial password. */
@Command(
    name = "add-person",
    mixinStandardHelpOptions = true,
    description =
        "Add an auditor, administrator or hotline member; prints a one-time initial password they must change.")
final class IdentityAddPersonCommand extends AdministratorCommand {
  @Parameters(index = "0", paramLabel = "USERNAME")
  String username;

  @Option(names = "--nation", required = true)
  String nation;

  @Option(names = "--clearance", required = true)
  String clearance;

  @Option(
      names = "--role",
      paramLabel = "ROLE",
      required = true,
      description =
          "auditor, federation-admin, hotline-member, hotline-principal, hotline-adviser or hotline-watch-officer (repeatable).")
  List<String> roles = new ArrayList<>();

  @Option(names = "--first-name")
  String firstName;

  @Option(names = "--last-name")
  String lastName;

  @Override
  void run(IdentityAdmin admin, PrintWriter out) {
    String password = admin.addPerson(username, nation, clearance, roles, firstName, lastName);
    if (json) {
      ObjectNode node = toJson(admin.describe(username));
      node.put("initialPassword", password);
      out.println(Json.line(node));
    } else {
      print(out, admin.describe(username));
      out.println("initial password (shown once; to be changed at first login): " + password);
    }
  }
}
