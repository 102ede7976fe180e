package org.alliedexchange.devservers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A started Keycloak process: on 127.0.0.1 only, its database (H2) and log in the data directory;
 * ready when the realm's discovery document answers; stopped with all its children when closed or
 * when this JVM exits, Ctrl-C included.
 */
final class KeycloakProcess implements AutoCloseable {

  /**
   * Local caches: `cache` is a run-time option (a build ignores it), and without it Keycloak forms
   * a JGroups cluster, listening on every interface (7800, 57800) and holding the first logins
   * while it settles. One local Keycloak is one node, on loopback only.
   */
  private static final String LOCAL_CACHE = "--cache=local";

  /** The H2 database's name in the data directory (its file: {@code keycloakdb.mv.db}). */
  static final String DATABASE = "keycloakdb";

  private final Process process;
  private final Path logFile;
  private final Consumer<String> progress;
  private final Thread shutdownHook;

  private KeycloakProcess(Process process, Path logFile, Consumer<String> progress) {
    this.process = process;
    this.logFile = logFile;
    this.progress = progress;
    this.shutdownHook = new Thread(this::stop, "local-keycloak-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts the built distribution in {@code home} on {@code port} with {@code environment} added to
   * its own.
   */
  static KeycloakProcess start(
      Path home, Path data, int port, Map<String, String> environment, Consumer<String> progress)
      throws IOException {
    Path logFile = data.resolve("keycloak.log");
    List<String> command =
        List.of(
            home.resolve("bin/kc.sh").toString(),
            "start",
            "--optimized",
            LOCAL_CACHE,
            "--http-enabled=true",
            "--http-host=127.0.0.1",
            "--http-port=" + port,
            "--hostname-strict=false",
            "--import-realm",
            "--db-url=jdbc:h2:file:"
                + data.resolve(DATABASE).toAbsolutePath()
                + ";NON_KEYWORDS=VALUE");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().putAll(environment);
    return new KeycloakProcess(builder.start(), logFile, progress);
  }

  /**
   * Waits until {@code probe} answers 200; throws with the end of the log if the process exits or
   * time runs out.
   */
  void awaitReady(URI probe, Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Keycloak exited with code "
                + process.exitValue()
                + " before it was ready; "
                + "the end of its log ("
                + logFile
                + "):\n"
                + tail(logFile, 30));
      }
      try {
        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Keycloak", e);
      }
      sleep(250);
    }
    throw new IllegalStateException(
        "Keycloak was not ready within "
            + timeout.toSeconds()
            + " s; the end of its log ("
            + logFile
            + "):\n"
            + tail(logFile, 30));
  }

  /** The Keycloak JVM's process id ({@code kc.sh} execs it), for a supervisor to record. */
  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or has run
    }
    stop();
  }

  private void stop() {
    if (!process.isAlive()) {
      return;
    }
    List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
    family.forEach(ProcessHandle::destroy);
    process.destroy();
    family.add(process.toHandle());
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (ProcessHandle handle : family) {
      long left = deadline - System.nanoTime();
      try {
        handle.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        handle.destroyForcibly();
      }
    }
    progress.accept("keycloak: stopped");
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  static int freePort() {
    return LoopbackPorts.free();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
