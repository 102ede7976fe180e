package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.alliedexchange.cli.federation.ChildProcesses;
import org.alliedexchange.cli.federation.LocalFederation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * End to end, as a user runs it: `allied up --separate-processes` started as its own JVM from the
 * jar and class path `./allied` runs (every service then a JVM of its own), a product read across
 * them; then the launcher is killed with SIGKILL, as the OOM killer would, and everything it
 * started must stop within seconds; a second start on the same data finds the released transfers in
 * the log and the chain verifying.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeparateProcessesIT {

  /** From SIGKILL of the launcher to the last of its processes gone. */
  static final Duration ALL_STOPPED = Duration.ofSeconds(30);

  static Path dataDir;
  static Path launcherLog;
  static int gatewayPort;
  static int keycloakPort;
  static Process launcher;
  static LocalFederation restarted;
  static List<String> releasedBeforeTheKill = List.of();

  record Result(int exit, String out, String err) {}

  @BeforeAll
  static void startTheLauncherAsItsOwnProcess() throws Exception {
    Path home = Path.of(System.getProperty("allied.home", "..")).toAbsolutePath().normalize();
    Path jar = home.resolve("cli/target/allied.jar");
    Path classpath = home.resolve("cli/target/allied.classpath");
    assertThat(jar)
        .as("`./mvnw verify` packages cli before its ITs; run it with -pl cli -am")
        .exists();
    assertThat(classpath).exists();
    dataDir = Files.createTempDirectory("allied-separate-");
    launcherLog = Files.createTempFile("allied-up-", ".log");
    gatewayPort = freePort();
    keycloakPort = freePort();
    launcher =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dallied.home=" + home,
                "-cp",
                jar + ":" + Files.readString(classpath).strip(),
                "org.alliedexchange.cli.Allied",
                "up",
                "--separate-processes",
                "--data-dir",
                dataDir.toString(),
                "--gateway-port",
                Integer.toString(gatewayPort),
                "--keycloak-port",
                Integer.toString(keycloakPort))
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(launcherLog.toFile())
            .start();
    await()
        .atMost(Duration.ofMinutes(6))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> !launcher.isAlive() || run("status").exit() == 0);
    assertThat(launcher.isAlive()).as(Files.readString(launcherLog)).isTrue();
  }

  @AfterAll
  static void stop() {
    if (launcher != null && launcher.isAlive()) {
      launcher.destroy();
    }
    if (restarted != null) {
      restarted.close();
    }
  }

  static int freePort() throws Exception {
    return org.alliedexchange.devservers.LoopbackPorts.free();
  }

  static Result run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data-dir", dataDir.toString()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        Allied.commandLine(new ByteArrayInputStream(new byte[0]), out, err, Clock.systemUTC())
            .execute(all.toArray(String[]::new));
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  @Order(1)
  void statusShowsTheModeAndEachServiceRunsAsAProcessOfItsOwn() throws Exception {
    Result status = run("status");
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out())
        .contains("(pid " + launcher.pid() + ", separate-processes)")
        .contains("gateway ", "exchange-kor ", "audit ", "keycloak ", "redis ", "postgres-audit ");
    JsonNode processes = Json.MAPPER.readTree(run("status", "--json").out()).path("processes");
    for (String service :
        List.of(
            "gateway",
            "audit",
            "exchange-kor",
            "exchange-jpn",
            "exchange-usa",
            "hotline-kor",
            "hotline-jpn",
            "hotline-usa")) {
      long pid = processes.path(service).asLong();
      assertThat(pid).as(service).isPositive().isNotEqualTo(launcher.pid());
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as(service).contains(true);
      assertThat(dataDir.resolve("logs").resolve(service + ".log")).as(service).exists();
    }
  }

  /**
   * A product crosses four processes (KOR's exchange service, the gateway, Keycloak, the audit
   * service) and arrives re-marked for Japan. The full demo plays in FederationIT and in the
   * containers; here the point is that the processes find each other.
   */
  @Test
  @Order(2)
  void aProductPublishedByKoreaIsReadByJapanAcrossTheSeparateProcesses() throws Exception {
    Result published =
        run(
            "publish",
            "--client",
            "kor-jcs-publisher",
            "--file",
            Path.of(System.getProperty("allied.home", ".."))
                .resolve("examples/product.json")
                .toString(),
            "--json");
    assertThat(published.exit()).as(published.out() + published.err()).isZero();
    String id = Json.MAPPER.readTree(published.out()).path("content").path("id").asString();
    Result japan = run("get", id, "--client", "jpn-mod-reader", "--nation", "KOR");
    assertThat(japan.exit()).as(japan.out() + japan.err()).isZero();
    assertThat(japan.out()).contains(id, "極秘 (JPN marking of KOR 군사II급비밀)");
    releasedBeforeTheKill = permittedTransfers(export("before-the-kill"));
    assertThat(releasedBeforeTheKill).as("the transfer to Japan").isNotEmpty();
  }

  @Test
  @Order(3)
  void killingTheLauncherStopsEverythingItStartedWithinSeconds() throws Exception {
    List<ChildProcesses.Entry> recorded = ChildProcesses.alive(dataDir);
    assertThat(recorded)
        .extracting(ChildProcesses.Entry::name)
        .contains(
            "launcher",
            "redis",
            "keycloak",
            "postgres-exchange-kor",
            "postgres-exchange-jpn",
            "postgres-exchange-usa",
            "postgres-audit",
            "exchange-kor",
            "exchange-jpn",
            "exchange-usa",
            "audit",
            "gateway");

    long killed = System.nanoTime();
    launcher.destroyForcibly().waitFor();
    await()
        .atMost(ALL_STOPPED)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(() -> assertThat(ChildProcesses.alive(dataDir)).isEmpty());
    System.out.printf(
        "everything the killed launcher started stopped in %.1f s%n",
        (System.nanoTime() - killed) / 1e9);

    Result status = run("status");
    assertThat(status.exit()).isEqualTo(1);
    assertThat(status.err()).contains("no longer runs").doesNotContain("still running");
  }

  @Test
  @Order(4)
  void theNextStartOnTheSameDataFindsTheReleasedTransfersAndTheChainVerifies() throws Exception {
    // in one JVM this time: the data is the same whichever way the services run
    restarted =
        LocalFederation.builder()
            .dataDir(dataDir)
            .gatewayPort(gatewayPort)
            .keycloakPort(keycloakPort)
            .progress(line -> System.out.println("restart: " + line))
            .start();
    Path export = export("after-the-restart");
    assertThat(permittedTransfers(export)).containsAll(releasedBeforeTheKill);
    Result verified =
        run("audit", "verify", "--file", export.toString(), "--key", keyFile().toString());
    assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();
    assertThat(verified.out()).startsWith("VERIFIED");
  }

  private static Path keyFile() {
    return dataDir.resolve("audit").resolve("checkpoint-key.pub.pem");
  }

  /** JPN-KOR as Japan's auditor exports it. */
  private static Path export(String name) throws Exception {
    Result login = run("login", "--user", "jpn-auditor");
    assertThat(login.exit()).as(login.err()).isZero();
    Path token = dataDir.resolve(name + ".token");
    Files.writeString(token, login.out().trim());
    Path export = dataDir.resolve(name + ".jsonl");
    Result exported =
        run(
            "audit",
            "export",
            "--relationship",
            "JPN-KOR",
            "--output",
            export.toString(),
            "--token-file",
            token.toString(),
            "--gateway",
            "http://127.0.0.1:" + gatewayPort);
    assertThat(exported.exit()).as(exported.err()).isZero();
    return export;
  }

  /** The ids of the transfers the export records as released (PERMIT). */
  private static List<String> permittedTransfers(Path export) throws Exception {
    Set<String> ids =
        Files.readAllLines(export).stream()
            .map(Json.MAPPER::readTree)
            .map(line -> line.path("record").path("event"))
            .filter(
                event ->
                    event.path("transfer").path("decision").asString("").equals("DECISION_PERMIT"))
            .map(event -> event.path("eventId").asString())
            .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    return List.copyOf(ids);
  }
}
