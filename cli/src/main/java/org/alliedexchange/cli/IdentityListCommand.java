package org.alliedexchange.cli;

import java.io.PrintWriter;
import org.alliedexchange.identity.admin.IdentityAdmin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `allied identity list`: the national systems, the people, or both. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "List national systems and people with their attributes.")
final class IdentityListCommand extends AdministratorCommand {
  @ArgGroup(exclusive = true)
  Only only;

  static final class Only {
    @Option(names = "--systems", description = "Only national systems.")
    boolean systems;

    @Option(names = "--people", description = "Only people.")
    boolean people;
  }

  @Override
  void run(IdentityAdmin admin, PrintWriter out) {
    if (only == null || only.systems) {
      admin.systems().forEach(identity -> print(out, identity));
    }
    if (only == null || only.people) {
      admin.people().forEach(identity -> print(out, identity));
    }
  }
}
