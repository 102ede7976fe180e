package org.alliedexchange.cli.federation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a killed launcher leaves is stopped, by recorded pid and start time only: by the watchdog
 * once the launcher is gone, and by the next start; a reused pid (another start time) is never
 * signalled, and a launcher that still runs is never stopped.
 */
class ChildProcessesTest {

  @TempDir Path dataDir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killWhatIsLeft() {
    started.forEach(Process::destroyForcibly);
  }

  private Process sleeper() throws IOException {
    // a process that dies of INT and TERM as PostgreSQL and the JVM handle them: a plain `sleep`
    // started under a background job (`./mvnw verify &`) inherits INT ignored, and would live on
    Process process =
        new ProcessBuilder(
                "perl", "-e", "$SIG{INT} = $SIG{TERM} = sub { exit 1 }; sleep 600 while 1")
            .start();
    started.add(process);
    return process;
  }

  private String line(Process process, String startTime, String signal, String name) {
    return process.pid() + " " + startTime + " " + signal + " " + name + "\n";
  }

  private String startTime(Process process) {
    return ChildProcesses.startTime(process.pid()).orElseThrow();
  }

  @Test
  void theStartTimeIsReadForALiveProcessAndNotForAGoneOne() throws Exception {
    Process process = sleeper();
    assertThat(ChildProcesses.startTime(process.pid())).isPresent();
    process.destroyForcibly().waitFor();
    assertThat(ChildProcesses.startTime(process.pid())).isEmpty();
  }

  @Test
  void theNextStartStopsWhatADeadLauncherLeftButNeverAReusedPid() throws Exception {
    Process gone = sleeper();
    String goneStart = startTime(gone);
    gone.destroyForcibly().waitFor();
    Process leftover = sleeper();
    Process reusedPid = sleeper();
    Files.createDirectories(ChildProcesses.recordFile(dataDir).getParent());
    Files.writeString(
        ChildProcesses.recordFile(dataDir),
        line(gone, goneStart, "-", "launcher")
            + line(leftover, startTime(leftover), "TERM", "redis")
            // the pid is recorded, but with another start time: it is another process now
            + line(reusedPid, "1", "TERM", "keycloak"));

    assertThat(ChildProcesses.alive(dataDir)).extracting(e -> e.name()).containsExactly("redis");
    List<String> progress = new ArrayList<>();
    ChildProcesses.stopLeftovers(dataDir, progress::add);

    // stopped: the JVM's own record of its child may learn of the exit a moment later
    assertThat(leftover.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(reusedPid.isAlive()).isTrue();
    assertThat(progress).singleElement().asString().contains("redis (pid " + leftover.pid());
  }

  @Test
  void aStartRefusesWhileTheLastLauncherStillRuns() throws Exception {
    Process launcher = sleeper();
    Process child = sleeper();
    Files.createDirectories(ChildProcesses.recordFile(dataDir).getParent());
    Files.writeString(
        ChildProcesses.recordFile(dataDir),
        line(launcher, startTime(launcher), "-", "launcher")
            + line(child, startTime(child), "TERM", "redis"));

    assertThatThrownBy(() -> ChildProcesses.stopLeftovers(dataDir, line -> {}))
        .hasMessageContaining("a federation already runs on " + dataDir)
        .hasMessageContaining("launcher pid " + launcher.pid());
    assertThat(child.isAlive()).isTrue();
  }

  @Test
  void theWatchdogKillsWhatIgnoresItsSignalAndNeverWhatTheNextStartRecorded() throws Exception {
    Process launcher = sleeper();
    Process stubborn = new ProcessBuilder("sh", "-c", "trap '' TERM; exec sleep 600").start();
    started.add(stubborn);
    Path record = ChildProcesses.recordFile(dataDir);
    Files.createDirectories(record.getParent());
    Files.writeString(
        record,
        line(launcher, startTime(launcher), "-", "launcher")
            + line(stubborn, startTime(stubborn), "TERM", "keycloak"));
    Process watchdog =
        ChildProcesses.startWatchdog(
            launcher.pid(), startTime(launcher), record, Duration.ofSeconds(3));
    started.add(watchdog);
    launcher.destroyForcibly();
    Path log = record.resolveSibling("watchdog.log");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Files.exists(log) && Files.readString(log).contains("is gone"));

    // a next start, while the watchdog still waits: the record now names that start's processes
    Process nextStarts = sleeper();
    Files.writeString(record, line(nextStarts, startTime(nextStarts), "TERM", "keycloak"));

    await().atMost(Duration.ofSeconds(10)).until(() -> !stubborn.isAlive());
    await().atMost(Duration.ofSeconds(5)).until(() -> !watchdog.isAlive());
    assertThat(Files.readString(log)).contains(stubborn.pid() + " did not stop within 3s: KILL");
    assertThat(nextStarts.isAlive()).isTrue();
  }

  @Test
  void theWatchdogStopsTheRecordedProcessesOnceTheLauncherIsKilled() throws Exception {
    Process launcher = sleeper();
    Process child = sleeper();
    Process reusedPid = sleeper();
    Path record = ChildProcesses.recordFile(dataDir);
    Files.createDirectories(record.getParent());
    Files.writeString(
        record,
        line(launcher, startTime(launcher), "-", "launcher")
            + line(child, startTime(child), "INT", "postgres-audit")
            + line(reusedPid, "1", "TERM", "gateway"));
    Process watchdog =
        ChildProcesses.startWatchdog(
            launcher.pid(), startTime(launcher), record, ChildProcesses.GRACE);
    started.add(watchdog);

    // while the launcher runs, the watchdog only watches
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(child::isAlive);
    launcher.destroyForcibly();

    await().atMost(Duration.ofSeconds(10)).until(() -> !child.isAlive());
    await().atMost(Duration.ofSeconds(10)).until(() -> !watchdog.isAlive());
    assertThat(reusedPid.isAlive()).isTrue();
    assertThat(Files.readString(record.resolveSibling("watchdog.log")))
        .contains("launcher " + launcher.pid() + " is gone");
  }
}
