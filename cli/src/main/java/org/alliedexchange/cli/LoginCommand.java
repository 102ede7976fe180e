package org.alliedexchange.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.alliedexchange.client.ClientCredentials;
import org.alliedexchange.client.PersonLogin;
import org.alliedexchange.client.TokenSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * `allied login`: a person's access token from a terminal, e.g. an auditor's for `allied audit`.
 */
@Command(
    name = "login",
    mixinStandardHelpOptions = true,
    description = {
      "Log a person in (authorization code with PKCE, on Keycloak's own login form) and print the access token.",
      "For an auditor at a terminal: export ALLIED_TOKEN=$(./allied login --user jpn-auditor). The password comes from "
          + "--password-file, else a prompt, else (for the local federation's sample people) its state file."
    })
final class LoginCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--user",
      required = true,
      paramLabel = "NAME",
      description = "The person's username.")
  String user;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "A file holding the password.")
  Path passwordFile;

  @Option(
      names = "--issuer",
      paramLabel = "URL",
      description = "The realm (default: ALLIED_ISSUER, else the local federation's).")
  URI issuer;

  @Option(
      names = "--gateway",
      paramLabel = "URL",
      description =
          "The gateway the console client redirects to (default: ALLIED_GATEWAY_URL, "
              + "else the local federation's).")
  URI gateway;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "The local federation's data directory, for its state file.")
  Path dataDir;

  @Option(names = "--json", description = "The token and its claims as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    JsonNode state = LocalState.readOrEmpty(dataDir);
    URI realm =
        issuer != null
            ? issuer
            : envOr("ALLIED_ISSUER", state.path("keycloak").path("issuer").asString(""));
    URI console =
        gateway != null ? gateway : envOr("ALLIED_GATEWAY_URL", state.path("gateway").asString(""));
    if (realm == null || console == null) {
      err.println(
          "allied login: name the realm with --issuer and the gateway with --gateway (no local federation runs)");
      return Allied.MALFORMED_INPUT;
    }
    String password = password(state);
    if (password == null) {
      err.println("allied login: no password for " + user + ": pass --password-file FILE");
      return Allied.MALFORMED_INPUT;
    }
    try {
      String token =
          PersonLogin.login(
              realm,
              "allied-console",
              URI.create(console.toString().replaceAll("/+$", "") + "/console/"),
              user,
              password);
      out.println(
          json
              ? "{\"accessToken\":\""
                  + token
                  + "\",\"claims\":"
                  + ClientCredentials.unverifiedClaims(token)
                  + "}"
              : token);
      return 0;
    } catch (TokenSource.TokenException e) {
      err.println("allied login: " + e.getMessage());
      return 1;
    }
  }

  private String password(JsonNode state) throws Exception {
    if (passwordFile != null) {
      return Files.readString(passwordFile).trim();
    }
    Console console = System.console();
    if (console != null) {
      char[] typed = console.readPassword("password for %s: ", user);
      return typed == null ? null : new String(typed);
    }
    for (JsonNode person : state.path("people")) {
      if (person.path("username").asString("").equals(user)) {
        return person.path("password").asString();
      }
    }
    return null;
  }

  private static URI envOr(String name, String fallback) {
    String value = System.getenv(name);
    String chosen = value != null && !value.isBlank() ? value.trim() : fallback;
    return chosen == null || chosen.isBlank() ? null : URI.create(chosen);
  }
}
