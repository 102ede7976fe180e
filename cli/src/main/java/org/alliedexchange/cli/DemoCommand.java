package org.alliedexchange.cli;

import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.alliedexchange.client.TokenSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * `allied demo`: the scenario that shows what the system is for, played against the running local
 * federation and narrated step by step. Every step checks what it shows; the first that does not
 * hold ends the demo with exit 1.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Play, against the running local federation (`allied up`), the scenario that shows what Allied Exchange is for, "
            + "narrating each step and checking it.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:every step held",
      "1:a step did not hold, or the federation could not be reached"
    })
final class DemoCommand implements Callable<Integer> {

  static final String AGREEMENT = "KOR-JPN-GSOMIA-2016";

  @Spec CommandSpec spec;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "The running federation's data directory (default: as `allied up`).")
  Path dataDir;

  /** A step that did not hold. */
  static final class NotShown extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotShown(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path file = LocalState.file(dataDir);
    if (!Files.exists(file)) {
      spec.commandLine()
          .getErr()
          .println(
              "allied demo: no federation runs (no " + file + "); start one with `./allied up`");
      return 1;
    }
    JsonNode state = Json.MAPPER.readTree(Files.readString(file));
    DemoNarrator narrator = new DemoNarrator(out);
    DemoFederation federation = new DemoFederation(state, narrator);
    try {
      new DemoScenario(federation, narrator).play();
      out.println();
      out.println("Every step held.");
      return 0;
    } catch (NotShown | StatusRuntimeException | TokenSource.TokenException e) {
      out.flush();
      spec.commandLine()
          .getErr()
          .println(
              "allied demo: DEMO FAILED: "
                  + (e instanceof StatusRuntimeException s
                      ? ExchangeOutput.describe(s.getStatus())
                      : e.getMessage()));
      return 1;
    } finally {
      federation.close();
      out.flush();
    }
  }
}
