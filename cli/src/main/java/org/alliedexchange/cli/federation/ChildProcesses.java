package org.alliedexchange.cli.federation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The processes a launcher started, recorded by pid and start time in {@code
 * <data-dir>/run/processes} as they start, and a watchdog that stops them when the launcher dies
 * (kill -9, the OOM killer). A start first stops what an earlier launcher left ({@link
 * #stopLeftovers}). A recorded process is signalled only while its start time is the recorded one
 * ({@code /proc/<pid>/stat}), so a reused pid is never touched; nothing is ever found by name.
 */
public final class ChildProcesses implements AutoCloseable {

  /** How a recorded process is asked to stop before it is killed. */
  public enum Stop {
    /** Most servers: a graceful shutdown. */
    TERM,
    /** PostgreSQL's postmaster: a fast shutdown, every committed transaction kept. */
    INT
  }

  /** One line of the record: {@code pid start-time signal name}. */
  public record Entry(long pid, String startTime, String signal, String name) {
    boolean alive() {
      return ChildProcesses.startTime(pid).map(startTime::equals).orElse(false);
    }

    String line() {
      return pid + " " + startTime + " " + signal + " " + name;
    }

    static Optional<Entry> parse(String line) {
      String[] fields = line.strip().split(" ", 4);
      if (fields.length != 4) {
        return Optional.empty();
      }
      try {
        return Optional.of(new Entry(Long.parseLong(fields[0]), fields[1], fields[2], fields[3]));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
  }

  static final String LAUNCHER = "launcher";

  /** How long a process may take to stop on its signal before it is killed. */
  static final Duration GRACE = Duration.ofSeconds(20);

  private final Path file;
  private final List<Entry> entries = new ArrayList<>();
  private Process watchdog;

  private ChildProcesses(Path file) {
    this.file = file;
  }

  /** The record in {@code dataDir}. */
  public static Path recordFile(Path dataDir) {
    return dataDir.resolve("run").resolve("processes");
  }

  /**
   * Starts a record for this launcher (replacing the last one, whose processes {@link
   * #stopLeftovers} has stopped) and a watchdog for it.
   */
  static ChildProcesses start(Path dataDir) {
    ChildProcesses children = new ChildProcesses(recordFile(dataDir));
    long self = ProcessHandle.current().pid();
    Optional<String> started = startTime(self);
    try {
      Files.createDirectories(children.file.getParent());
      children.add(new Entry(self, started.orElse("?"), "-", LAUNCHER));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + children.file + ": " + e.getMessage(), e);
    }
    if (started.isPresent()) {
      children.watchdog = startWatchdog(self, started.get(), children.file, GRACE);
    }
    return children;
  }

  /**
   * Records a started process ({@code name} without spaces) so the watchdog, or the next start,
   * stops it with {@code stop} if this launcher dies first.
   */
  synchronized void record(String name, long pid, Stop stop) {
    Optional<String> started = startTime(pid);
    if (started.isEmpty()) {
      return; // already gone, or no /proc: nothing a supervisor could safely signal
    }
    add(new Entry(pid, started.get(), stop.name(), name));
  }

  /** The recorded processes by name, with their pids (the launcher included). */
  synchronized Map<String, Long> pids() {
    Map<String, Long> pids = new LinkedHashMap<>();
    entries.forEach(entry -> pids.put(entry.name(), entry.pid()));
    return pids;
  }

  private void add(Entry entry) {
    entries.add(entry);
    StringBuilder text = new StringBuilder();
    entries.forEach(e -> text.append(e.line()).append('\n'));
    Path partial = file.resolveSibling("processes.partial");
    try {
      Files.writeString(partial, text, StandardCharsets.UTF_8);
      Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** After a clean stop: nothing is left to watch. */
  @Override
  public synchronized void close() {
    if (watchdog != null) {
      watchdog.destroy();
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // its processes are stopped; the next start finds none of them alive
    }
  }

  /** The processes a record in {@code dataDir} names that still run, the launcher included. */
  public static List<Entry> alive(Path dataDir) {
    return read(recordFile(dataDir)).stream().filter(Entry::alive).toList();
  }

  /**
   * Stops what the last launcher on {@code dataDir} left running, newest first, and says so; throws
   * if that launcher itself still runs.
   */
  static void stopLeftovers(Path dataDir, Consumer<String> progress) {
    List<Entry> alive = new ArrayList<>(alive(dataDir));
    for (Entry entry : alive) {
      if (entry.name().equals(LAUNCHER)) {
        throw new IllegalStateException(
            "a federation already runs on "
                + dataDir
                + " (launcher pid "
                + entry.pid()
                + "): stop it first (Ctrl-C where it runs, or kill "
                + entry.pid()
                + ")");
      }
    }
    if (alive.isEmpty()) {
      return;
    }
    java.util.Collections.reverse(alive);
    progress.accept(
        "stopping what the last run left running: "
            + alive.stream().map(e -> e.name() + " (pid " + e.pid() + ")").toList());
    alive.forEach(entry -> signal(entry.pid(), entry.signal()));
    long deadline = System.nanoTime() + GRACE.toNanos();
    while (System.nanoTime() < deadline && alive.stream().anyMatch(Entry::alive)) {
      pause();
    }
    for (Entry entry : alive) {
      if (entry.alive()) {
        progress.accept(entry.name() + " (pid " + entry.pid() + ") did not stop: killed");
        signal(entry.pid(), "KILL");
      }
    }
    deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline && alive.stream().anyMatch(Entry::alive)) {
      pause();
    }
  }

  static List<Entry> read(Path file) {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
          .map(Entry::parse)
          .flatMap(Optional::stream)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * A live process's start time in clock ticks since boot (field 22 of {@code /proc/<pid>/stat});
   * empty when it is gone, a zombie, or there is no {@code /proc}.
   */
  static Optional<String> startTime(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name, in parentheses, may hold spaces and parentheses: fields 3.. follow the
      // last ')'
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return fields[0].equals("Z") || fields[0].equals("X")
          ? Optional.empty()
          : Optional.of(fields[19]);
    } catch (IOException | RuntimeException gone) {
      return Optional.empty();
    }
  }

  private static void signal(long pid, String signal) {
    try {
      new ProcessBuilder("kill", "-s", signal, Long.toString(pid))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping leftovers", e);
    }
  }

  /**
   * The watchdog, in a session of its own (setsid) so neither Ctrl-C nor the launcher's death takes
   * it along; its log beside the record.
   */
  static Process startWatchdog(long launcher, String launcherStart, Path file, Duration grace) {
    String script;
    try (InputStream in = ChildProcesses.class.getResourceAsStream("watchdog.sh")) {
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("the watchdog script is missing from the class path", e);
    }
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      command.add("/usr/bin/setsid");
    }
    command.addAll(
        List.of(
            "/bin/sh",
            "-c",
            script,
            "allied-watchdog",
            Long.toString(launcher),
            launcherStart,
            file.toAbsolutePath().toString(),
            Long.toString(grace.toSeconds())));
    try {
      return new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(
              ProcessBuilder.Redirect.appendTo(file.resolveSibling("watchdog.log").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the watchdog: " + e.getMessage(), e);
    }
  }
}
