package org.alliedexchange.cli;

import java.io.PrintWriter;
import org.alliedexchange.identity.admin.IdentityAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `allied identity show`: one system or person. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show one system or person.")
final class IdentityShowCommand extends AdministratorCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "A client id or a username.")
  String name;

  @Override
  void run(IdentityAdmin admin, PrintWriter out) {
    print(out, admin.describe(name));
  }
}
