package org.alliedexchange.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `allied` command: one entry point for people and scripts. */
@Command(
    name = "allied",
    mixinStandardHelpOptions = true,
    version = "allied 0.1.0",
    description =
        "Allied Exchange: label-enforced exchange of classified information between allied nations.",
    subcommands = {
      UpCommand.class,
      StatusCommand.class,
      TokenCommand.class,
      PublishCommand.class,
      AmendCommand.class,
      GetCommand.class,
      SearchCommand.class,
      SubscribeCommand.class,
      DemoCommand.class,
      LoginCommand.class,
      PolicyCommand.class,
      IdentityCommand.class,
      AuditCommand.class,
      HotlineCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Allied {

  /** Exit code for input or configuration the command cannot read. */
  public static final int MALFORMED_INPUT = 2;

  public static void main(String[] args) {
    System.exit(commandLine(System.in, System.out, System.err, Clock.systemUTC()).execute(args));
  }

  /** The command line over the given streams and clock; the tests drive it through this. */
  public static CommandLine commandLine(
      InputStream in, OutputStream out, OutputStream err, Clock clock) {
    CommandLine.IFactory defaults = CommandLine.defaultFactory();
    CommandLine cli =
        new CommandLine(
            new Allied(),
            new CommandLine.IFactory() {
              @Override
              public <K> K create(Class<K> type) throws Exception {
                if (type == PolicyDecideCommand.class) {
                  return type.cast(new PolicyDecideCommand(in, clock));
                }
                return defaults.create(type);
              }
            });
    cli.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cli.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    // one line a person can act on, never a stack trace
    cli.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          line.getErr()
              .println(
                  line.getCommandName()
                      + ": "
                      + (e.getMessage() == null ? e.toString() : e.getMessage()));
          return 1;
        });
    return cli;
  }
}
