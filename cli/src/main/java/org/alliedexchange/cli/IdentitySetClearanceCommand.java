package org.alliedexchange.cli;

import java.io.PrintWriter;
import org.alliedexchange.identity.admin.IdentityAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `allied identity set-clearance`: a new clearance for a system or person. */
@Command(
    name = "set-clearance",
    mixinStandardHelpOptions = true,
    description = "Change a system's or person's clearance; the next token carries it.")
final class IdentitySetClearanceCommand extends AdministratorCommand {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Parameters(index = "1", paramLabel = "LEVEL")
  String clearance;

  @Override
  void run(IdentityAdmin admin, PrintWriter out) {
    admin.setClearance(name, clearance);
    print(out, admin.describe(name));
  }
}
