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

  /** Builds kept besides the one in use (the most recently used), each about 250 MB. */
  static final int KEPT_BUILDS = 2;

  static final java.time.Duration UNUSED_BUILDS_KEPT = java.time.Duration.ofDays(2);

  private final String version;
  private final Path cacheDir;
  private final Consumer<String> progress;
  private final byte[] listener; // null: the jar in dev-servers

  KeycloakDistribution(String version, Path cacheDir, Consumer<String> progress) {
    this(version, cacheDir, progress, null);
  }

  KeycloakDistribution(String version, Path cacheDir, Consumer<String> progress, byte[] listener) {
    this.version = version;
    this.cacheDir = cacheDir;
    this.progress = progress;
    this.listener = listener;
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
   * runs. Each listener jar gets a built copy of its own, never changed once built: Keycloak
   * started {@code --optimized} exits 2 ("A provider JAR was updated since the last build") when
   * its providers change under it, which is what happened when two checkouts at different commits
   * started Keycloak at once and one rebuilt the copy they shared.
   */
  Path prepare() throws IOException {
    Path versionDir = cacheDir.resolve(version);
    Files.createDirectories(versionDir);
    byte[] listener = this.listener != null ? this.listener : listenerJar();
    String buildKey =
        sha256(
            listener,
            String.join(" ", BUILD_OPTIONS).getBytes(StandardCharsets.UTF_8),
            BUILD_LAYOUT.getBytes(StandardCharsets.UTF_8));
    Path builds = versionDir.resolve("builds");
    Path buildDir = builds.resolve(buildKey.substring(0, 16));
    try (FileChannel lockFile =
            FileChannel.open(
                versionDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      Path home = buildDir.resolve("keycloak");
      Path marker = buildDir.resolve(".built");
      if (!Files.exists(marker) || !Files.readString(marker).equals(buildKey)) {
        deleteRecursively(buildDir);
        Files.createDirectories(buildDir);
        Path zip = distributionZip();
        progress.accept("keycloak: unpacking " + zip.getFileName() + " into " + buildDir);
        unzip(zip, buildDir.resolve("unpacking"), home);
        build(home, buildDir, listener);
        Files.writeString(marker, buildKey);
      }
      // the time of last use, by which the other builds are pruned
      Files.setLastModifiedTime(marker, FileTime.from(Instant.now()));
      pruneBuilds(builds, buildDir);
      // the layout before builds/: one copy, rebuilt in place
      for (String old : List.of("keycloak", ".unpacked", ".built", "build.log")) {
        deleteRecursively(versionDir.resolve(old));
      }
      return home;
    }
  }

  private void build(Path home, Path buildDir, byte[] listener) throws IOException {
    Files.createDirectories(home.resolve("providers"));
    Path listenerFile = home.resolve("providers/allied-audit-listener.jar");
    Files.write(listenerFile, listener);
    Files.setLastModifiedTime(
        listenerFile, FileTime.from(Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    progress.accept(
        "keycloak: building "
            + version
            + " with the audit listener (once per version and listener; about 20 s)");
    List<String> command = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "build"));
    command.addAll(BUILD_OPTIONS);
    Path log = buildDir.resolve("build.log");
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
  }

  /**
   * Removes the builds other than {@code keep} beyond the {@value #KEPT_BUILDS} last used, and
   * those unused for {@code UNUSED_BUILDS_KEPT}. Every start marks its build used, under the lock,
   * so a Keycloak starting from a build keeps it among the last used.
   */
  static void pruneBuilds(Path builds, Path keep) throws IOException {
    List<Path> all;
    try (var list = Files.list(builds)) {
      all = new ArrayList<>(list.filter(dir -> !dir.equals(keep)).toList());
    }
    all.sort(java.util.Comparator.comparing(KeycloakDistribution::lastUsed).reversed());
    Instant cutoff = Instant.now().minus(UNUSED_BUILDS_KEPT);
    for (int i = 0; i < all.size(); i++) {
      Path dir = all.get(i);
      if (i >= KEPT_BUILDS || lastUsed(dir).isBefore(cutoff)) {
        deleteRecursively(dir);
      }
    }
  }

  private static Instant lastUsed(Path buildDir) {
    try {
      return Files.getLastModifiedTime(buildDir.resolve(".built")).toInstant();
    } catch (IOException e) {
      return Instant.EPOCH; // never finished building
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
