package org.alliedexchange.cli.federation;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.label.NationalKey;
import tools.jackson.databind.json.JsonMapper;

/**
 * The file in the data directory that says what runs where while the federation runs: addresses,
 * the sample systems' client ids and secrets, people's logins. Readable by its owner only, and
 * replaced in one move so a reader never sees half of it.
 */
final class StateFile {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private StateFile() {}

  static Path of(Path dataDir) {
    return dataDir.resolve("state.json");
  }

  static void write(Path dataDir, Map<String, Object> state) throws IOException {
    Path partial = dataDir.resolve("state.json.partial");
    Files.deleteIfExists(partial);
    Files.createFile(
        partial,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(partial, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
    Files.move(
        partial, of(dataDir), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static Map<String, Object> describe(
      Path dataDir,
      LocalKeycloak keycloak,
      Map<String, Integer> exchanges,
      Map<String, Integer> hotlineNodes,
      FederationControl control,
      int auditPort,
      int auditConsolePort,
      String gatewayUrl,
      URI redis,
      LocalFederation.Mode mode,
      Map<String, Long> processes) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("pid", ProcessHandle.current().pid());
    state.put("mode", mode.label());
    // every process this launcher started, by name: what the watchdog stops if the launcher dies
    state.put("processes", processes);
    state.put("startedAt", Instant.now().toString());
    state.put("dataDir", dataDir.toString());
    state.put("gateway", gatewayUrl);
    state.put("console", gatewayUrl + "/console/");
    state.put("auditorsApi", gatewayUrl + "/audit/v1");
    state.put(
        "keycloak",
        Map.of(
            "url",
            keycloak.url().toString(),
            "issuer",
            keycloak.issuer().toString(),
            "tokenEndpoint",
            keycloak.tokenEndpoint().toString(),
            "adminUsername",
            keycloak.adminUsername(),
            "adminPassword",
            keycloak.adminPassword()));
    Map<String, Object> services = new LinkedHashMap<>();
    exchanges.forEach((nation, port) -> services.put("exchange-" + nation, "127.0.0.1:" + port));
    hotlineNodes.forEach((nation, port) -> services.put("hotline-" + nation, "127.0.0.1:" + port));
    services.put("audit", "127.0.0.1:" + auditPort);
    services.put("audit-console-page", "127.0.0.1:" + auditConsolePort);
    services.put("redis", redis.getHost() + ":" + redis.getPort());
    state.put("services", services);
    // for troubleshooting (redis-cli -u ...): allowed everything; each component has its own user
    state.put("redisOperatorUrl", redis.toString());
    state.put(
        "checkpointKey",
        NationalKey.publicKeyFile(dataDir.resolve("audit").resolve("checkpoint-key.pem"))
            .toString());
    // stop and start a hotline node (the demo's cut link); answers only this token
    state.put("control", Map.of("url", control.url().toString(), "token", control.token()));
    List<Map<String, Object>> systems = new ArrayList<>();
    List<Map<String, Object>> people = new ArrayList<>();
    keycloak
        .placeholders()
        .forEach(
            (name, value) -> {
              if (name.startsWith("ALLIED_SECRET_")) {
                String clientId =
                    name.substring("ALLIED_SECRET_".length()).toLowerCase().replace('_', '-');
                // the sample systems are named for their nation (kor-..., jpn-...); an automation
                // account is of none
                String prefix = clientId.length() > 3 ? clientId.substring(0, 3).toUpperCase() : "";
                String nation = exchanges.containsKey(prefix) ? prefix : "";
                systems.add(Map.of("clientId", clientId, "clientSecret", value, "nation", nation));
              } else if (name.startsWith("ALLIED_PASSWORD_")) {
                people.add(
                    Map.of(
                        "username",
                        name.substring("ALLIED_PASSWORD_".length()).toLowerCase().replace('_', '-'),
                        "password",
                        value));
              }
            });
    systems.sort(Comparator.comparing(s -> (String) s.get("clientId")));
    people.sort(Comparator.comparing(p -> (String) p.get("username")));
    state.put("systems", systems);
    state.put("people", people);
    state.put(
        "getAToken",
        "curl -s -d grant_type=client_credentials -d client_id=<clientId> -d client_secret=<clientSecret> "
            + keycloak.tokenEndpoint());
    return state;
  }
}
