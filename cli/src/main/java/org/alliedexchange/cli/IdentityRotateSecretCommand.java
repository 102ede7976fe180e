package org.alliedexchange.cli;

import java.io.PrintWriter;
import org.alliedexchange.identity.admin.IdentityAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ObjectNode;

/** `allied identity rotate-secret`: a new secret for a system. */
@Command(
    name = "rotate-secret",
    mixinStandardHelpOptions = true,
    description = "Give a system a new secret; the old one stops working at once.")
final class IdentityRotateSecretCommand extends AdministratorCommand {
  @Parameters(index = "0", paramLabel = "CLIENT_ID")
  String clientId;

  @Override
  void run(IdentityAdmin admin, PrintWriter out) {
    String secret = admin.rotateSecret(clientId);
    if (json) {
      ObjectNode node = Json.object();
      node.put("name", clientId);
      node.put("secret", secret);
      out.println(Json.line(node));
    } else {
      out.println(
          "new secret for " + clientId + " (shown once; the old one no longer works): " + secret);
    }
  }
}
