package org.alliedexchange.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.alliedexchange.cli.AuditCommand.Filters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `allied audit export`: every matching record, streamed to standard output or a file. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Export every matching record, streamed, as CSV or JSON Lines.",
      "A JSON Lines export of one whole relationship ends with the checkpoint taken before it, so `allied audit verify --file` "
          + "can check it on its own."
    })
final class AuditExportCommand extends AuditorCommand {
  @Mixin Filters filters;

  @Option(
      names = "--format",
      defaultValue = "jsonl",
      description = "jsonl or csv (default ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "Write to FILE (default: standard output).")
  Path output;

  @Override
  int run(PrintWriter out) throws Exception {
    Map<String, String> parameters = filters.parameters();
    parameters.put("format", format);
    if (output == null) {
      try (java.io.Reader in =
          new java.io.InputStreamReader(open("export", parameters), StandardCharsets.UTF_8)) {
        in.transferTo(out);
      }
      out.flush();
    } else {
      Path partial = output.resolveSibling(output.getFileName() + ".partial");
      try (InputStream in = open("export", parameters)) {
        Files.copy(in, partial, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      // only a whole export takes the name: a cut-off download never looks like one
      Files.move(partial, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      spec.commandLine().getErr().println("exported to " + output);
    }
    return 0;
  }
}
