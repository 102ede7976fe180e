package org.alliedexchange.cli.federation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service in a JVM of its own: {@code java -cp <this launcher's class path> <main class>},
 * configured only by its environment ({@link ServiceEnvironment}) and the files it names, its
 * stdout and stderr appended to a log file in the data directory. It runs in a session of its own,
 * so Ctrl-C reaches the launcher alone, which then stops the services in order.
 */
final class ServiceProcess implements AutoCloseable {

  // what a service needs of the launcher's environment; the rest (a user's SERVER_PORT, say) could
  // configure it behind the launcher's back
  private static final List<String> INHERITED =
      List.of("PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR", "JAVA_HOME");

  private final String name;
  private final Process process;
  private final Path logFile;
  private final int port;

  private ServiceProcess(String name, Process process, Path logFile, int port) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
    this.port = port;
  }

  /**
   * Starts {@code mainClass} as {@code name} with {@code properties} in its environment; it is
   * ready once it listens on {@code port} ({@link #awaitListening}).
   */
  static ServiceProcess start(
      String name, String mainClass, Map<String, Object> properties, int port, Path logDir) {
    Path logFile = logDir.resolve(name + ".log");
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      command.add("/usr/bin/setsid");
    }
    command.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            // a small heap and the serial collector: five services share a developer's machine
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-Dallied.service=" + name,
            "-cp",
            System.getProperty("java.class.path"),
            mainClass));
    try {
      Files.createDirectories(logDir);
      if (!Files.exists(logFile)) {
        Files.createFile(
            logFile,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      Map<String, String> environment = builder.environment();
      environment.keySet().retainAll(INHERITED);
      environment.putAll(ServiceEnvironment.of(properties));
      // its gRPC server's threads are daemons: without this the JVM would exit once started
      environment.put("SPRING_MAIN_KEEPALIVE", "true");
      return new ServiceProcess(name, builder.start(), logFile, port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  int port() {
    return port;
  }

  Path logFile() {
    return logFile;
  }

  /**
   * Waits until it accepts connections on its port; throws with the end of its log if it exits
   * first or time runs out.
   */
  void awaitListening(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with code " + process.exitValue() + "; the end of its log:\n" + tail());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return;
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
    }
    throw new IllegalStateException(
        name
            + " did not listen on 127.0.0.1:"
            + port
            + " within "
            + timeout.toSeconds()
            + " s; the end of its log ("
            + logFile
            + "):\n"
            + tail());
  }

  /** SIGTERM (Spring's graceful shutdown), then SIGKILL after the grace. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(ChildProcesses.GRACE.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
