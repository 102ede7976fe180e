package org.alliedexchange.cli;

import java.io.Console;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import org.alliedexchange.client.ClientCredentials;
import org.alliedexchange.client.TokenSource;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * Who calls the hotline and through which gateway: a person logged in with --user (as `allied
 * login`: the password from --password-file, a prompt, or the local federation's state file), or a
 * token from --token-file or ALLIED_TOKEN. The call goes to the node of the token's own nation.
 */
final class HotlineOptions {

  @Option(
      names = "--user",
      paramLabel = "NAME",
      description = "Log this person in, e.g. kor-watch-officer (as `./allied login --user NAME`).")
  String user;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description =
          "With --user: a file holding the password (else a prompt, else the local federation's state file).")
  Path passwordFile;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "Without --user: a file holding the person's access token (default: ALLIED_TOKEN).")
  Path tokenFile;

  @Option(
      names = "--gateway",
      paramLabel = "URL",
      description = "The gateway (default: ALLIED_GATEWAY_URL, else the local federation's).")
  URI gateway;

  @Option(
      names = "--issuer",
      paramLabel = "URL",
      description = "With --user: the realm (default: ALLIED_ISSUER, else the local federation's).")
  URI issuer;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "The local federation's data directory, for its state file.")
  Path dataDir;

  private JsonNode state;

  private JsonNode state() {
    if (state == null) {
      state = LocalState.readOrEmpty(dataDir);
    }
    return state;
  }

  URI gatewayUri() {
    if (gateway != null) {
      return gateway;
    }
    String chosen = envOr("ALLIED_GATEWAY_URL", state().path("gateway").asString(""));
    return URI.create(chosen.isEmpty() ? "http://127.0.0.1:8443" : chosen);
  }

  /** The caller's tokens: the person's login, or the given token. */
  TokenSource tokens(Clock clock) throws IOException {
    if (user != null) {
      String realm = issuer != null ? issuer.toString() : envOr("ALLIED_ISSUER", "");
      if (realm.isEmpty()) {
        realm = state().path("keycloak").path("issuer").asString("");
      }
      if (realm.isEmpty()) {
        throw new ClientOptions.Unusable(
            "name the realm with --issuer URL or ALLIED_ISSUER (no local federation runs)");
      }
      String password = password();
      if (password == null) {
        throw new ClientOptions.Unusable("no password for " + user + ": pass --password-file FILE");
      }
      URI console = URI.create(gatewayUri().toString().replaceAll("/+$", "") + "/console/");
      return new PersonTokens(URI.create(realm), console, user, password, clock);
    }
    String token =
        tokenFile != null ? Files.readString(tokenFile).trim() : System.getenv("ALLIED_TOKEN");
    if (token == null || token.isBlank()) {
      throw new ClientOptions.Unusable(
          "no token: pass --user NAME (a hotline member's login), --token-file FILE, or set ALLIED_TOKEN");
    }
    return TokenSource.of(token.trim());
  }

  /** The nation whose node the caller may call: its own, from the token's nation claim. */
  static String nationOf(String token) {
    String nation;
    try {
      nation = ClientCredentials.unverifiedClaims(token).path("nation").asString("");
    } catch (RuntimeException e) {
      throw new ClientOptions.Unusable("the token is not a JWT: " + e.getMessage());
    }
    if (!nation.matches("[A-Za-z]{3}")) {
      throw new ClientOptions.Unusable(
          "the token names no nation: is it a hotline member's (`./allied login --user kor-watch-officer`)?");
    }
    return nation.toUpperCase(Locale.ROOT);
  }

  private String password() throws IOException {
    if (passwordFile != null) {
      return Files.readString(passwordFile).trim();
    }
    Console console = System.console();
    if (console != null) {
      char[] typed = console.readPassword("password for %s: ", user);
      return typed == null ? null : new String(typed);
    }
    for (JsonNode person : state().path("people")) {
      if (person.path("username").asString("").equals(user)) {
        return person.path("password").asString();
      }
    }
    return null;
  }

  private static String envOr(String name, String fallback) {
    String value = System.getenv(name);
    return value != null && !value.isBlank() ? value.trim() : fallback;
  }
}
