package org.alliedexchange.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalRedis;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/**
 * `allied identity local-keycloak`: a real Keycloak with the realm imported (and, unless given one,
 * a Redis for its audit stream), on 127.0.0.1, until Ctrl-C. Prints how to reach it and writes the
 * same, secrets included, to a state file readable by its owner only.
 */
@Command(
    name = "local-keycloak",
    mixinStandardHelpOptions = true,
    description = {
      "Run a local Keycloak with the allied realm (and a Redis for its audit stream) until Ctrl-C.",
      "Data, generated secrets and state.json persist in --data between runs; --fresh starts empty."
    })
final class LocalKeycloakCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "0",
      description = "Keycloak's HTTP port (default: a free one).")
  int port;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Where data and secrets persist (default: .allied/local-keycloak in the project).")
  Path data;

  @Option(
      names = "--redis",
      paramLabel = "URL",
      description = "The audit stream's Redis (default: start one).")
  URI redis;

  @Option(names = "--fresh", description = "Delete the data directory first.")
  boolean fresh;

  @Option(names = "--json", description = "Print the state as one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Path dir = (data != null ? data : defaultData()).toAbsolutePath();
    if (fresh) {
      deleteRecursively(dir);
    }
    Files.createDirectories(dir);
    LocalRedis localRedis = null;
    URI redisUrl = redis;
    URI listenerRedis = redis;
    if (redisUrl == null) {
      localRedis = LocalRedis.start(dir.resolve("redis"));
      LocalRedis started = localRedis;
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "local-redis-stop"));
      // the listener as its own Redis user; the operator's URL for whoever reads the stream
      redisUrl = started.url();
      listenerRedis = started.url(LocalRedis.User.IDENTITY_LISTENER);
    }
    LocalKeycloak keycloak =
        LocalKeycloak.builder()
            .port(port)
            .dataDir(dir.resolve("keycloak"))
            .auditRedis(listenerRedis)
            .start();

    ObjectNode state = state(keycloak, redisUrl);
    Path stateFile = dir.resolve("state.json");
    Files.deleteIfExists(stateFile);
    Files.createFile(
        stateFile,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        stateFile,
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(state),
        StandardCharsets.UTF_8,
        StandardOpenOption.TRUNCATE_EXISTING);

    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.line(state));
    } else {
      printHuman(out, keycloak, redisUrl, stateFile);
    }
    out.flush();
    new CountDownLatch(1).await(); // until Ctrl-C; the shutdown hooks stop Keycloak and Redis
    return 0;
  }

  private static ObjectNode state(LocalKeycloak keycloak, URI redisUrl) {
    ObjectNode state = Json.object();
    state.put("keycloakUrl", keycloak.url().toString());
    state.put("realm", LocalKeycloak.REALM);
    state.put("issuer", keycloak.issuer().toString());
    state.put("tokenEndpoint", keycloak.tokenEndpoint().toString());
    state.put("auditRedis", redisUrl.toString());
    ObjectNode admin = state.putObject("admin");
    admin.put("realm", "master");
    admin.put("username", keycloak.adminUsername());
    admin.put("password", keycloak.adminPassword());
    ObjectNode systems = state.putObject("systems");
    ObjectNode people = state.putObject("people");
    for (Map.Entry<String, String> placeholder : keycloak.placeholders().entrySet()) {
      String name = placeholder.getKey();
      if (name.startsWith("ALLIED_SECRET_")) {
        systems.put(
            name.substring("ALLIED_SECRET_".length()).toLowerCase().replace('_', '-'),
            placeholder.getValue());
      } else if (name.startsWith("ALLIED_PASSWORD_")) {
        people.put(
            name.substring("ALLIED_PASSWORD_".length()).toLowerCase().replace('_', '-'),
            placeholder.getValue());
      }
    }
    return state;
  }

  private static void printHuman(
      PrintWriter out, LocalKeycloak keycloak, URI redisUrl, Path stateFile) {
    out.println();
    out.println(
        "Keycloak is ready: "
            + keycloak.url()
            + "  (realm "
            + LocalKeycloak.REALM
            + ", issuer "
            + keycloak.issuer()
            + ")");
    out.println(
        "Audit stream: "
            + RedisConnections.redacted(redisUrl)
            + "  (stream "
            + AuditWriter.identity().streamKey()
            + "; the URL with its password is in the state file)");
    out.println("State, secrets included: " + stateFile);
    out.println();
    out.println("For the identity tools, in another terminal:");
    out.println("  export ALLIED_KEYCLOAK_URL=" + keycloak.url());
    out.println("  export ALLIED_KEYCLOAK_ADMIN=" + keycloak.adminUsername());
    out.println("  export ALLIED_KEYCLOAK_ADMIN_PASSWORD='" + keycloak.adminPassword() + "'");
    out.println("  ./allied identity list");
    out.println();
    out.println("A token for the sample system kor-jcs-publisher:");
    out.println("  curl -s -d grant_type=client_credentials -d client_id=kor-jcs-publisher \\");
    out.println(
        "       -d client_secret='"
            + keycloak.clientSecret("kor-jcs-publisher")
            + "' "
            + keycloak.tokenEndpoint());
    out.println();
    out.println("Ctrl-C stops Keycloak and Redis.");
  }

  private static Path defaultData() {
    String home = System.getProperty("allied.home");
    return (home == null ? Path.of(".") : Path.of(home)).resolve(".allied/local-keycloak");
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (var walk = Files.walk(path)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
