package org.alliedexchange.devservers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Two checkouts at different commits carry different audit listeners. Before, they shared one built
 * Keycloak, rebuilt in place for each: a Keycloak about to start from it exited 2 ("A provider JAR
 * was updated since the last build") when the other checkout rebuilt it.
 */
class KeycloakDistributionIT {

  @Test
  void aSecondListenerGetsABuildOfItsOwnAndTheFirstBuildIsLeftAsItWas() throws Exception {
    Path cache = Files.createTempDirectory("allied-keycloak-builds-");
    try {
      byte[] first;
      try (InputStream in =
          KeycloakDistribution.class.getResourceAsStream(KeycloakDistribution.LISTENER_RESOURCE)) {
        first = in.readAllBytes();
      }
      byte[] second = withExtraEntry(first);
      List<String> progress = new CopyOnWriteArrayList<>();
      String version = KeycloakDistribution.defaultVersion();

      Path firstHome = new KeycloakDistribution(version, cache, progress::add, first).prepare();
      Map<String, Long> firstBuild = files(firstHome.resolve("lib/quarkus"));
      assertThat(firstBuild).isNotEmpty();

      Path secondHome = new KeycloakDistribution(version, cache, progress::add, second).prepare();
      assertThat(secondHome).isNotEqualTo(firstHome);
      assertThat(Files.readAllBytes(secondHome.resolve("providers/allied-audit-listener.jar")))
          .isEqualTo(second);
      // the first build untouched: its provider and what its build wrote
      assertThat(Files.readAllBytes(firstHome.resolve("providers/allied-audit-listener.jar")))
          .isEqualTo(first);
      assertThat(files(firstHome.resolve("lib/quarkus"))).isEqualTo(firstBuild);

      // the first listener again: its build reused, not rebuilt
      progress.clear();
      assertThat(new KeycloakDistribution(version, cache, progress::add, first).prepare())
          .isEqualTo(firstHome);
      assertThat(progress).noneMatch(line -> line.startsWith("keycloak: building"));
      assertThat(files(firstHome.resolve("lib/quarkus"))).isEqualTo(firstBuild);
    } finally {
      KeycloakDistribution.deleteRecursively(cache);
    }
  }

  /** Each file under {@code dir} with its modification time. */
  private static Map<String, Long> files(Path dir) throws Exception {
    Map<String, Long> out = new TreeMap<>();
    try (var walk = Files.walk(dir)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(file).toString(), Files.getLastModifiedTime(file).toMillis());
      }
    }
    return out;
  }

  /** The same jar with one more file in it: another listener, as another commit builds it. */
  private static byte[] withExtraEntry(byte[] jar) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar));
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        zip.putNextEntry(new ZipEntry(entry.getName()));
        in.transferTo(zip);
        zip.closeEntry();
      }
      zip.putNextEntry(new ZipEntry("another-commit.txt"));
      zip.write("another commit".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    return out.toByteArray();
  }
}
