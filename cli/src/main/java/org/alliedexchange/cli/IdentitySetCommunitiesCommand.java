package org.alliedexchange.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.identity.admin.IdentityAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `allied identity set-communities`: a system's or person's need-to-know communities. */
@Command(
    name = "set-communities",
    mixinStandardHelpOptions = true,
    description = "Replace a system's or person's need-to-know communities (none to clear them).")
final class IdentitySetCommunitiesCommand extends AdministratorCommand {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Parameters(index = "1..*", paramLabel = "COMMUNITY")
  List<String> communities = new ArrayList<>();

  @Override
  void run(IdentityAdmin admin, PrintWriter out) {
    admin.setCommunities(name, communities);
    print(out, admin.describe(name));
  }
}
