package org.alliedexchange.cli;

import static org.alliedexchange.cli.AuditCommand.JSON;
import static org.alliedexchange.cli.AuditCommand.NOT_VERIFIED;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.audit.chain.ExportVerifier;
import org.alliedexchange.cli.AuditCommand.AuditRefused;
import org.alliedexchange.label.NationalKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * `allied audit verify`: a relationship's chain at the audit service, or an exported file offline.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Verify a relationship's chain (at the audit service, through the gateway), or an exported file on its own.",
      "Names the first record that does not fit.",
      "A file verifies only up to a checkpoint signed by the key you trust: --key, or, knowingly,"
          + " --trust-embedded-key (the output names that key's fingerprint)."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:verified", "1:the check could not be made", "3:NOT verified"})
final class AuditVerifyCommand extends AuditorCommand {
  @Option(
      names = "--relationship",
      paramLabel = "R",
      description = "Verify this relationship's chain at the audit service.")
  String relationship;

  @Option(
      names = "--file",
      paramLabel = "FILE",
      description = "Verify this JSON Lines export instead, offline.")
  Path file;

  @Option(
      names = "--key",
      paramLabel = "PEM",
      description =
          "The audit service's public key to check the file's checkpoint with "
              + "(its checkpoint-key.pub.pem).")
  Path key;

  @Option(
      names = "--trust-embedded-key",
      description =
          "Without --key: trust the key the file carries. That shows the file is unchanged since"
              + " that key signed it, not who signed it; compare the fingerprint printed.")
  boolean trustEmbeddedKey;

  @Option(names = "--json", description = "The verdict as JSON.")
  boolean json;

  @Override
  int run(PrintWriter out) throws Exception {
    if ((relationship == null) == (file == null)) {
      throw new AuditRefused(
          "give either --relationship R (verify at the audit service) or --file FILE (verify an export)");
    }
    if (file != null) {
      if (key != null && trustEmbeddedKey) {
        throw new AuditRefused("give --key PEM or --trust-embedded-key, not both");
      }
      ExportVerifier.Result result;
      if (key == null && !trustEmbeddedKey) {
        // a file can carry any key: trusting it must be asked for
        result =
            new ExportVerifier.Result(
                false,
                0,
                0,
                "no key to trust: give --key with the audit service's checkpoint-key.pub.pem, or"
                    + " --trust-embedded-key to trust the key the file carries",
                List.of(),
                "");
      } else {
        PublicKey trusted = key == null ? null : NationalKey.publicKey(Files.readString(key));
        try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          result = ExportVerifier.verify(lines, trusted);
        }
      }
      if (json) {
        Map<String, Object> verdict = new LinkedHashMap<>();
        verdict.put("verified", result.verified());
        verdict.put("recordsChecked", result.checked());
        verdict.put("firstBadSequence", result.firstBad());
        verdict.put("detail", result.detail());
        verdict.put("trustedKey", result.trustedKey());
        verdict.put("notes", result.notes());
        out.println(JSON.writeValueAsString(verdict));
      } else {
        out.println((result.verified() ? "VERIFIED: " : "NOT VERIFIED: ") + result.detail());
        result.notes().forEach(note -> out.println("  note: " + note));
      }
      return result.verified() ? 0 : NOT_VERIFIED;
    }
    String body = getString("verify", Map.of("relationship", relationship));
    JsonNode verdict = JSON.readTree(body);
    if (json) {
      out.println(body);
    } else {
      out.println(
          (verdict.path("verified").asBoolean(false) ? "VERIFIED: " : "NOT VERIFIED: ")
              + verdict.path("detail").asString());
    }
    return verdict.path("verified").asBoolean(false) ? 0 : NOT_VERIFIED;
  }
}
