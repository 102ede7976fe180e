package org.alliedexchange.cli;

import java.io.PrintWriter;
import org.alliedexchange.identity.admin.IdentityAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `allied identity enable`: a disabled system or person let back in. */
@Command(
    name = "enable",
    mixinStandardHelpOptions = true,
    description = "Re-enable a disabled system or person.")
final class IdentityEnableCommand extends AdministratorCommand {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Override
  void run(IdentityAdmin admin, PrintWriter out) {
    admin.setEnabled(name, true);
    print(out, admin.describe(name));
  }
}
