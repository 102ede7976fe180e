package org.alliedexchange.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.alliedexchange.cli.federation.ChildProcesses;
import org.alliedexchange.cli.federation.LocalFederation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** `allied status`: whether the local federation runs, and where. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Say whether the local federation (`allied up`) runs, and where; --json prints its state file (addresses, secrets, logins).",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:it runs", "1:it does not"})
final class StatusCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "The federation's data directory (default: as `allied up`).")
  Path dataDir;

  @Option(names = "--json", description = "Print the state file.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path file = LocalState.file(dataDir);
    if (!Files.exists(file)) {
      spec.commandLine()
          .getErr()
          .println(
              "allied status: no federation runs (no " + file + "); start one with `./allied up`");
      return 1;
    }
    String text = Files.readString(file);
    JsonNode state = Json.MAPPER.readTree(text);
    long pid = state.path("pid").asLong(-1);
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
      Path dir = dataDir != null ? dataDir : LocalFederation.defaultDataDir();
      List<String> left =
          ChildProcesses.alive(dir).stream().map(e -> e.name() + " (pid " + e.pid() + ")").toList();
      spec.commandLine()
          .getErr()
          .println(
              "allied status: the federation that wrote "
                  + file
                  + " (pid "
                  + pid
                  + ") no longer runs"
                  + (left.isEmpty()
                      ? ""
                      : "; still running of it: "
                          + String.join(", ", left)
                          + " (the next `./allied up` stops them)"));
      return 1;
    }
    if (json) {
      out.println(Json.MAPPER.writeValueAsString(state));
    } else {
      out.println(
          "running since "
              + state.path("startedAt").asString()
              + " (pid "
              + pid
              + ", "
              + state.path("mode").asString("one-jvm")
              + ")");
      out.println("  gateway:  " + state.path("gateway").asString());
      out.println("  console:  " + state.path("console").asString());
      out.println("  Keycloak: " + state.path("keycloak").path("url").asString());
      state
          .path("services")
          .properties()
          .forEach(e -> out.println("  " + e.getKey() + ": " + e.getValue().asString()));
      out.println("  data:     " + state.path("dataDir").asString());
      StringBuilder pids = new StringBuilder();
      state
          .path("processes")
          .properties()
          .forEach(
              e ->
                  pids.append(pids.length() == 0 ? "" : ", ")
                      .append(e.getKey())
                      .append(' ')
                      .append(e.getValue().asLong()));
      out.println("  pids:     " + pids);
    }
    return 0;
  }
}
