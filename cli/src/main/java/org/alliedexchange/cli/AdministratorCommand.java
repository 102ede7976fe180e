package org.alliedexchange.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.alliedexchange.identity.admin.Identity;
import org.alliedexchange.identity.admin.IdentityAdmin;
import org.alliedexchange.identity.admin.IdentityException;
import org.alliedexchange.policy.PolicyConfigException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/** Connects, runs, and turns refusals into exit 2 and failures into exit 1, each with one line. */
abstract class AdministratorCommand implements Callable<Integer> {
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
