package org.alliedexchange.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * How a national system's command reaches the federation. Each value comes from its flag, else the
 * environment, else the running local federation's state file (`allied up`), so against a local
 * federation `--client jpn-mod-reader` is all it takes.
 */
final class ClientOptions {

  @Option(
      names = "--gateway",
      paramLabel = "URL",
      description = "The gateway (default: ALLIED_GATEWAY_URL, else the local federation's).")
  URI gateway;

  @Option(
      names = "--client",
      paramLabel = "ID",
      description = "The national system's client id (default: ALLIED_CLIENT_ID).")
  String client;

  @Option(
      names = "--secret-file",
      paramLabel = "FILE",
      description =
          "A file holding the client's secret (default: ALLIED_CLIENT_SECRET, "
              + "else the local federation's state file).")
  Path secretFile;

  @Option(
      names = "--token-endpoint",
      paramLabel = "URL",
      description =
          "Keycloak's token endpoint (default: ALLIED_TOKEN_ENDPOINT, else "
              + "the local federation's).")
  URI tokenEndpoint;

  @Option(
      names = "--nation",
      paramLabel = "NAT",
      description =
          "The nation whose exchange service to call (default: ALLIED_NATION, else "
              + "the client's own).")
  String nation;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "The local federation's data directory, for its state file.")
  Path dataDir;

  private JsonNode state;

  /** A failure to set up the call: one line, exit 2. */
  static final class Unusable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unusable(String message) {
      super(message, null, false, false);
    }
  }

  private JsonNode state() {
    if (state == null) {
      state = LocalState.readOrEmpty(dataDir);
    }
    return state;
  }

  String clientId() {
    String id = client != null ? client : System.getenv("ALLIED_CLIENT_ID");
    if (id == null || id.isBlank()) {
      throw new Unusable(
          "name the national system with --client ID (or ALLIED_CLIENT_ID); the local federation's are in `./allied status --json`");
    }
    return id.trim();
  }

  private JsonNode system(String id) {
    for (JsonNode system : state().path("systems")) {
      if (system.path("clientId").asString("").equals(id)) {
        return system;
      }
    }
    return null;
  }

  String secret(String id) throws IOException {
    if (secretFile != null) {
      return Files.readString(secretFile).trim();
    }
    String env = System.getenv("ALLIED_CLIENT_SECRET");
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    JsonNode system = system(id);
    if (system == null) {
      throw new Unusable(
          "no secret for "
              + id
              + ": pass --secret-file FILE or set ALLIED_CLIENT_SECRET (the local federation's state file has none for it)");
    }
    return system.path("clientSecret").asString();
  }

  URI gatewayUri() {
    if (gateway != null) {
      return gateway;
    }
    String env = System.getenv("ALLIED_GATEWAY_URL");
    if (env != null && !env.isBlank()) {
      return URI.create(env.trim());
    }
    String local = state().path("gateway").asString("");
    return URI.create(local.isEmpty() ? "http://127.0.0.1:8443" : local);
  }

  URI tokenEndpointUri() {
    if (tokenEndpoint != null) {
      return tokenEndpoint;
    }
    String env = System.getenv("ALLIED_TOKEN_ENDPOINT");
    if (env != null && !env.isBlank()) {
      return URI.create(env.trim());
    }
    String local = state().path("keycloak").path("tokenEndpoint").asString("");
    if (local.isEmpty()) {
      throw new Unusable(
          "no token endpoint: pass --token-endpoint URL or set ALLIED_TOKEN_ENDPOINT (no local federation runs)");
    }
    return URI.create(local);
  }

  /**
   * The nation to call: the flag, the environment, else the system's own (the first three letters
   * of the sample ids).
   */
  String nationToCall(String clientId) {
    String chosen = nation != null ? nation : System.getenv("ALLIED_NATION");
    if (chosen == null || chosen.isBlank()) {
      JsonNode system = system(clientId);
      chosen = system != null ? system.path("nation").asString("") : "";
    }
    if (chosen.isBlank()) {
      throw new Unusable(
          "name the nation whose exchange service to call with --nation NAT (or ALLIED_NATION)");
    }
    return chosen.trim().toUpperCase(java.util.Locale.ROOT);
  }

  ClientCredentialsTokens tokens() throws IOException {
    String id = clientId();
    return ClientCredentialsTokens.shared(tokenEndpointUri(), id, secret(id));
  }

  AlliedClient connect(ClientCredentialsTokens tokens) {
    return AlliedClient.connect(gatewayUri(), tokens);
  }
}
