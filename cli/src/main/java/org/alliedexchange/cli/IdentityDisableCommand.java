package org.alliedexchange.cli;

import java.io.PrintWriter;
import org.alliedexchange.identity.admin.IdentityAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `allied identity disable`: a system or person shut out. */
@Command(
    name = "disable",
    mixinStandardHelpOptions = true,
    description = "Disable a system (it gets no token) or a person (they cannot log in).")
final class IdentityDisableCommand extends AdministratorCommand {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Override
  void run(IdentityAdmin admin, PrintWriter out) {
    admin.setEnabled(name, false);
    print(out, admin.describe(name));
  }
}
