package org.alliedexchange.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.alliedexchange.identity.admin.Identity;
import org.alliedexchange.identity.admin.IdentityAdmin;
import org.alliedexchange.identity.admin.IdentityException;
import org.alliedexchange.policy.PolicyConfigException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/**
 * `allied identity ...`: the administrators' tools for nations' systems and people, in Keycloak.
 */
@Command(
    name = "identity",
    mixinStandardHelpOptions = true,
    description = {
      "Manage national systems and people in Keycloak. Every change is an audit event.",
      "Keycloak is named by --keycloak or ALLIED_KEYCLOAK_URL; the administrator by ALLIED_KEYCLOAK_ADMIN and "
          + "ALLIED_KEYCLOAK_ADMIN_PASSWORD (or --admin-password-file)."
    },
    subcommands = {
      IdentityCommand.Onboard.class, IdentityCommand.AddPerson.class,
          IdentityCommand.ListIdentities.class,
      IdentityCommand.Show.class, IdentityCommand.SetClearance.class,
          IdentityCommand.SetCommunities.class,
      IdentityCommand.RotateSecret.class, IdentityCommand.Disable.class,
          IdentityCommand.Enable.class,
      LocalKeycloakCommand.class
    })
final class IdentityCommand {

  /**
   * Connects, runs, and turns refusals into exit 2 and failures into exit 1, each with one line.
   */
  abstract static class AdminCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin KeycloakOptions keycloak;

    @Option(names = "--json", description = "Print one JSON object per line, for scripts.")
    boolean json;

    abstract void run(IdentityAdmin admin, PrintWriter out);

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      try (IdentityAdmin admin = keycloak.connect()) {
        run(admin, spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        return 0;
      } catch (IdentityException e) {
        err.println("allied identity " + spec.name() + ": " + e.getMessage());
        return e.refused() ? Allied.MALFORMED_INPUT : 1;
      } catch (PolicyConfigException e) {
        err.println("allied identity " + spec.name() + ": " + e.getMessage());
        return Allied.MALFORMED_INPUT;
      }
    }

    void print(PrintWriter out, Identity identity) {
      if (json) {
        out.println(Json.line(toJson(identity)));
      } else {
        out.printf(
            "%-7s %-28s %-4s %-13s %-9s roles=%s communities=%s%s%n",
            identity.kind(),
            identity.name(),
            identity.nation(),
            identity.clearance(),
            identity.enabled() ? "enabled" : "DISABLED",
            String.join(",", identity.roles()),
            String.join(",", identity.communities()),
            identity.description().isEmpty() ? "" : "  (" + identity.description() + ")");
      }
    }

    static ObjectNode toJson(Identity identity) {
      ObjectNode node = Json.object();
      node.put("kind", identity.kind());
      node.put("name", identity.name());
      node.put("nation", identity.nation());
      node.put("clearance", identity.clearance());
      var communities = node.putArray("communities");
      identity.communities().forEach(communities::add);
      var roles = node.putArray("roles");
      identity.roles().forEach(roles::add);
      node.put("enabled", identity.enabled());
      node.put("description", identity.description());
      return node;
    }
  }

  @Command(
      name = "onboard",
      mixinStandardHelpOptions = true,
      description =
          "Onboard a national system (a confidential client using client credentials) and print its secret, once.")
  static final class Onboard extends AdminCommand {
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
            "exchange-publish, exchange-read, hotline-member, auditor, federation-admin (repeatable).")
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

  @Command(
      name = "add-person",
      mixinStandardHelpOptions = true,
      description =
          "Add an auditor, administrator or hotline member; prints a one-time initial password they must change.")
  static final class AddPerson extends AdminCommand {
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
        description = "auditor, federation-admin or hotline-member (repeatable).")
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

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List national systems and people with their attributes.")
  static final class ListIdentities extends AdminCommand {
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

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show one system or person.")
  static final class Show extends AdminCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "A client id or a username.")
    String name;

    @Override
    void run(IdentityAdmin admin, PrintWriter out) {
      print(out, admin.describe(name));
    }
  }

  @Command(
      name = "set-clearance",
      mixinStandardHelpOptions = true,
      description = "Change a system's or person's clearance; the next token carries it.")
  static final class SetClearance extends AdminCommand {
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

  @Command(
      name = "set-communities",
      mixinStandardHelpOptions = true,
      description = "Replace a system's or person's need-to-know communities (none to clear them).")
  static final class SetCommunities extends AdminCommand {
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

  @Command(
      name = "rotate-secret",
      mixinStandardHelpOptions = true,
      description = "Give a system a new secret; the old one stops working at once.")
  static final class RotateSecret extends AdminCommand {
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

  @Command(
      name = "disable",
      mixinStandardHelpOptions = true,
      description = "Disable a system (it gets no token) or a person (they cannot log in).")
  static final class Disable extends AdminCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    void run(IdentityAdmin admin, PrintWriter out) {
      admin.setEnabled(name, false);
      print(out, admin.describe(name));
    }
  }

  @Command(
      name = "enable",
      mixinStandardHelpOptions = true,
      description = "Re-enable a disabled system or person.")
  static final class Enable extends AdminCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    void run(IdentityAdmin admin, PrintWriter out) {
      admin.setEnabled(name, true);
      print(out, admin.describe(name));
    }
  }
}
