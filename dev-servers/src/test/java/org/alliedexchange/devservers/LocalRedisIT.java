package org.alliedexchange.devservers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Stopping the local Redis always ends: a server that does not answer SIGTERM is killed. */
class LocalRedisIT {

  @Test
  void aRedisThatDoesNotExitOnSigtermIsKilledAndItsPortServesAgainAfterARestart() throws Exception {
    Path dir = Files.createTempDirectory("allied-redis-").resolve("redis");
    LocalRedis redis = LocalRedis.start(dir);
    long pid = redis.pid();
    ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
    // a stopped process keeps SIGTERM pending until it is continued: as good as ignoring it
    assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor()).isZero();

    long started = System.nanoTime();
    redis.stop(Duration.ofSeconds(1));

    assertThat(process.isAlive()).as("killed after the grace").isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));

    redis.restart();
    try {
      assertThat(redis.pid()).isNotEqualTo(pid);
      assertThat(ProcessHandle.of(redis.pid()).map(ProcessHandle::isAlive)).contains(true);
    } finally {
      redis.close();
    }
  }
}
