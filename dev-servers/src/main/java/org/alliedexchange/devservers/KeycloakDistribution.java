package org.alliedexchange.devservers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The Keycloak distribution, ready to start: the zip from the local Maven repository (else fetched
 * with {@code mvnw dependency:get}), unpacked once per version and built ("augmented") once per
 * version and audit-listener jar, under {@code ~/.cache/allied-exchange/keycloak} (or {@code
 * ALLIED_CACHE_DIR}).
 */
final class KeycloakDistribution {

  static final String LISTENER_RESOURCE =
      "/org/alliedexchange/devservers/allied-audit-listener.jar";
  private static final List<String> BUILD_OPTIONS = List.of("--db=dev-file");

  /**
   * Changes the build key when how the build is made changes: 2 gives the listener a whole-second
   * modification time, which image layers (tar) keep exactly; Keycloak 26.7 refuses to start {@code
   * --optimized} when a provider's time differs from the one recorded at build.
   */
  private static final String BUILD_LAYOUT = "2";

  private final String version;
  private final Path cacheDir;
  private final Consumer<String> progress;

  KeycloakDistribution(String version, Path cacheDir, Consumer<String> progress) {
    this.version = version;
    this.cacheDir = cacheDir;
    this.progress = progress;
  }

  /** The Keycloak version this build was made against (the root pom's {@code keycloak.version}). */
  static String defaultVersion() {
    try (InputStream in = KeycloakDistribution.class.getResourceAsStream("keycloak.properties")) {
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("keycloak.version");
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("keycloak.properties is missing from the dev-servers jar", e);
    }
  }

  static Path defaultCacheDir() {
    String configured = System.getenv("ALLIED_CACHE_DIR");
    Path base =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : Path.of(System.getProperty("user.home"), ".cache", "allied-exchange");
    return base.resolve("keycloak");
  }

  /**
   * The unpacked distribution, built with this project's audit listener. Locked against parallel
   * runs.
   */
  Path prepare() throws IOException {
    Path versionDir = cacheDir.resolve(version);
    Files.createDirectories(versionDir);
    try (FileChannel lockFile =
            FileChannel.open(
                versionDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      Path home = versionDir.resolve("keycloak");
      if (!Files.exists(versionDir.resolve(".unpacked"))) {
        Path zip = distributionZip();
        progress.accept("keycloak: unpacking " + zip.getFileName() + " into " + versionDir);
        deleteRecursively(home);
        unzip(zip, versionDir.resolve("unpacking"), home);
        Files.writeString(versionDir.resolve(".unpacked"), version);
      }
      byte[] listener = listenerJar();
      String buildKey =
          sha256(
              listener,
              String.join(" ", BUILD_OPTIONS).getBytes(StandardCharsets.UTF_8),
              BUILD_LAYOUT.getBytes(StandardCharsets.UTF_8));
      Path marker = versionDir.resolve(".built");
      if (!Files.exists(marker) || !Files.readString(marker).equals(buildKey)) {
        Files.createDirectories(home.resolve("providers"));
        Path listenerFile = home.resolve("providers/allied-audit-listener.jar");
        Files.write(listenerFile, listener);
        Files.setLastModifiedTime(
            listenerFile, FileTime.from(Instant.now().truncatedTo(ChronoUnit.SECONDS)));
        progress.accept(
            "keycloak: building "
                + version
                + " with the audit listener (once per version and listener; about 20 s)");
        List<String> command =
            new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "build"));
        command.addAll(BUILD_OPTIONS);
        Path log = versionDir.resolve("build.log");
        ProcessBuilder build =
            new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        build.environment().put("JAVA_HOME", System.getProperty("java.home"));
        int exit = waitFor(build.start());
        if (exit != 0) {
          throw new IllegalStateException(
              "building Keycloak failed (exit "
                  + exit
                  + "); the end of "
                  + log
                  + ":\n"
                  + KeycloakProcess.tail(log, 30));
        }
        Files.writeString(marker, buildKey);
      }
      return home;
    }
  }

  /**
   * The distribution zip in the local Maven repository, fetched through Maven when it is not there.
   */
  private Path distributionZip() throws IOException {
    Path zip =
        localRepository()
            .resolve(
                "org/keycloak/keycloak-quarkus-dist/"
                    + version
                    + "/keycloak-quarkus-dist-"
                    + version
                    + ".zip");
    if (Files.isRegularFile(zip)) {
      return zip;
    }
    progress.accept(
        "keycloak: downloading keycloak-quarkus-dist "
            + version
            + " from Maven Central through Maven (about 170 MB)");
    List<String> command = new ArrayList<>(maven());
    command.addAll(
        List.of(
            "-B",
            "-q",
            "-N",
            "dependency:get",
            "-Dtransitive=false",
            "-Dartifact=org.keycloak:keycloak-quarkus-dist:" + version + ":zip"));
    Path log = Files.createTempFile("allied-keycloak-download", ".log");
    ProcessBuilder fetch =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    fetch.directory(projectRoot() == null ? null : projectRoot().toFile());
    int exit = waitFor(fetch.start());
    if (exit != 0 || !Files.isRegularFile(zip)) {
      throw new IllegalStateException(
          "could not fetch the Keycloak distribution through Maven ("
              + String.join(" ", command)
              + ", exit "
              + exit
              + "):\n"
              + KeycloakProcess.tail(log, 20));
    }
    return zip;
  }

  private static Path localRepository() {
    String configured = System.getProperty("maven.repo.local");
    return configured != null && !configured.isBlank()
        ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".m2", "repository");
  }

  /** The project's Maven wrapper when we run inside the project, else a Maven on the PATH. */
  private static List<String> maven() {
    Path root = projectRoot();
    if (root != null && Files.isExecutable(root.resolve("mvnw"))) {
      return List.of(root.resolve("mvnw").toString());
    }
    return List.of("mvn");
  }

  private static Path projectRoot() {
    String home = System.getProperty("allied.home");
    if (home != null && Files.isDirectory(Path.of(home))) {
      return Path.of(home);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isExecutable(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("identity"))) {
        return dir;
      }
    }
    return null;
  }

  private static byte[] listenerJar() throws IOException {
    try (InputStream in = KeycloakDistribution.class.getResourceAsStream(LISTENER_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "the audit listener " + LISTENER_RESOURCE + " is missing from the dev-servers jar");
      }
      return in.readAllBytes();
    }
  }

  /**
   * Unzips into {@code staging}, then moves the single top directory to {@code target}, keeping
   * scripts executable.
   */
  private static void unzip(Path zip, Path staging, Path target) throws IOException {
    deleteRecursively(staging);
    Files.createDirectories(staging);
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        Path out = staging.resolve(entry.getName()).normalize();
        if (!out.startsWith(staging)) {
          throw new IOException("refusing zip entry outside the target: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(out);
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
          if (out.getFileName().toString().endsWith(".sh")) {
            out.toFile().setExecutable(true, false);
          }
        }
      }
    }
    try (var top = Files.list(staging)) {
      List<Path> entries = top.toList();
      if (entries.size() != 1 || !Files.isDirectory(entries.get(0))) {
        throw new IOException("unexpected layout in " + zip + ": " + entries);
      }
      Files.move(entries.get(0), target);
    }
    deleteRecursively(staging);
  }

  private static int waitFor(Process process) {
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String sha256(byte[]... parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (byte[] part : parts) {
        digest.update(part);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void deleteRecursively(Path path) {
    if (path == null || !Files.exists(path)) {
      return;
    }
    try (var walk = Files.walk(path)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory left behind is not worth failing a stop for
    }
  }
}
