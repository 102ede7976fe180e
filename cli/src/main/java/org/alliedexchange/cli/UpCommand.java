package org.alliedexchange.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.alliedexchange.cli.federation.LocalFederation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `allied up`: the whole federation on this machine, until Ctrl-C. */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Start the whole federation on this machine, every part on 127.0.0.1: Keycloak with the realm, Redis, an exchange "
          + "service per nation (KOR, JPN, USA) with its PostgreSQL, the audit service and the gateway with the auditor console.",
      "Prints where everything is and writes the same, with the sample systems' secrets and the people's logins, to a state file "
          + "(`allied status --json` prints it). Ctrl-C stops everything; if this command is killed, a watchdog stops what it "
          + "started, and the next start stops anything left. Data persists in the data directory; --fresh starts empty."
    })
final class UpCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Where the federation keeps its data (default: ALLIED_DATA_DIR, else "
              + "~/.local/share/allied-exchange/federation).")
  Path dataDir;

  @Option(names = "--fresh", description = "Remove the previous data first.")
  boolean fresh;

  @Option(
      names = "--gateway-port",
      defaultValue = "8443",
      description = "The gateway's port (default ${DEFAULT-VALUE}).")
  int gatewayPort;

  @Option(
      names = "--keycloak-port",
      defaultValue = "8180",
      description = "Keycloak's port (default ${DEFAULT-VALUE}).")
  int keycloakPort;

  @Option(
      names = "--separate-processes",
      description =
          "Run each exchange service, the audit service and the gateway as a JVM of its own, configured by environment "
              + "variables and files only, each logging to <data-dir>/logs/<service>.log (default: all in this JVM).")
  boolean separateProcesses;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    LocalFederation federation;
    try {
      federation =
          LocalFederation.builder()
              .dataDir(dataDir != null ? dataDir : LocalFederation.defaultDataDir())
              .fresh(fresh)
              .gatewayPort(gatewayPort)
              .keycloakPort(keycloakPort)
              .mode(
                  separateProcesses
                      ? LocalFederation.Mode.SEPARATE_PROCESSES
                      : LocalFederation.Mode.ONE_JVM)
              .progress(
                  line -> {
                    out.println("  " + line);
                    out.flush();
                  })
              .start();
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("allied up: " + e.getMessage());
      return 1;
    }
    printSummary(federation, out);
    out.println("Ctrl-C stops everything.");
    out.flush();
    // the shutdown hook of LocalFederation stops every part on Ctrl-C; this thread only waits for
    // it
    new CountDownLatch(1).await();
    return 0;
  }

  /**
   * Where everything is and how to get going; no secret, because a terminal is scrolled back,
   * recorded and shared: secrets and passwords are only in the state file (mode 600).
   */
  static void printSummary(LocalFederation federation, PrintWriter out) {
    Map<String, Object> state = federation.state();
    out.println();
    out.println("The federation is up.");
    out.println(
        "  gateway (gRPC, HTTP/2):   "
            + state.get("gateway")
            + "   (name the nation to call in the `allied-nation` metadata)");
    out.println("  auditor console:          " + state.get("console"));
    out.println("  Keycloak:                 " + federation.keycloak().url() + "   (realm allied)");
    out.println(
        "  state (secrets, logins):  "
            + LocalFederation.stateFile(federation.dataDir())
            + "   (mode 600; `./allied status --json`)");
    out.println();
    out.println("A national system's token:");
    out.println("  ./allied token --client jpn-mod-reader");
    out.println(
        "  (or POST grant_type=client_credentials to "
            + federation.keycloak().tokenEndpoint()
            + " with the client's secret from the state file)");
    out.println(
        "Auditors log in to the console as kor-auditor, jpn-auditor or usa-auditor (passwords in the state file).");
    out.println(
        "The hotline's members are kor-/jpn-/usa-principal, -nsa and -watch-officer, e.g.:");
    out.println("  ./allied hotline watch --user jpn-watch-officer --conference JPN-KOR-USA");
    out.println("Try: ./allied demo");
    out.println();
  }
}
