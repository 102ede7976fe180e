package org.alliedexchange.devservers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each listener's Keycloak build is about 250 MB: old ones do not pile up in the cache. */
class KeycloakBuildsPruneTest {

  @TempDir Path builds;

  Path build(String name, Duration age) throws Exception {
    Path dir = Files.createDirectories(builds.resolve(name));
    Files.writeString(dir.resolve(".built"), name);
    Files.setLastModifiedTime(dir.resolve(".built"), FileTime.from(Instant.now().minus(age)));
    return dir;
  }

  List<String> left() throws Exception {
    try (var list = Files.list(builds)) {
      return list.map(dir -> dir.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void theBuildInUseAndTheLastUsedOthersStayTheRestGo() throws Exception {
    // in use, though marked long ago: a start is using it now
    Path inUse = build("in-use", Duration.ofDays(30));
    build("an-hour-ago", Duration.ofHours(1));
    build("a-minute-ago", Duration.ofMinutes(1));
    build("a-day-ago", Duration.ofDays(1));
    build("three-days-ago", Duration.ofDays(3));
    // a build interrupted before its marker: never usable
    Files.createDirectories(builds.resolve("unfinished/keycloak"));

    KeycloakDistribution.pruneBuilds(builds, inUse);

    assertThat(KeycloakDistribution.KEPT_BUILDS).isEqualTo(2);
    assertThat(left()).containsExactly("a-minute-ago", "an-hour-ago", "in-use");
  }

  @Test
  void buildsUnusedForTwoDaysGoEvenWhenFew() throws Exception {
    Path inUse = build("in-use", Duration.ZERO);
    build("three-days-ago", Duration.ofDays(3));

    KeycloakDistribution.pruneBuilds(builds, inUse);

    assertThat(left()).containsExactly("in-use");
  }
}
