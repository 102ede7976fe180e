package org.alliedexchange.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.alliedexchange.devservers.LocalKeycloak;

/**
 * The images the containerised federation runs, all on this machine, none pulled: Redis, PostgreSQL
 * and a JRE from Debian's packages, Keycloak from its distribution on Maven Central (as
 * LocalKeycloak builds it), each tagged by a digest of what it is built from, so a repeated run
 * builds nothing; and the services' images, loaded from the Jib tars their modules build.
 */
final class LocalImages {

  /** The Debian base the others are built on (debootstrap, then imported). */
  static final String DEBIAN = "localhost/allied/it-debian:bookworm-minbase";

  private final Path projectRoot;
  private final Path imagesDir;
  private final Path workDir;
  private final Consumer<String> progress;

  LocalImages(Path projectRoot, Path workDir, Consumer<String> progress) {
    this.projectRoot = projectRoot;
    this.imagesDir = projectRoot.resolve("federation-containers/src/test/images");
    this.workDir = workDir;
    this.progress = progress;
  }

  String redis() {
    return built("redis", debian(), imagesDir.resolve("redis"), "");
  }

  String postgres() {
    return built("postgres", debian(), imagesDir.resolve("postgres"), "");
  }

  /** Keycloak's built distribution (the realm is mounted, not baked in) on Debian's Java 17. */
  String keycloak() {
    String jre = built("jre", debian(), imagesDir.resolve("jre"), "");
    Path home = LocalKeycloak.builtDistribution(progress);
    String built = read(home.getParent().resolve(".built"));
    String tag = tag("keycloak", jre, imagesDir.resolve("keycloak"), built);
    if (!exists(tag)) {
      Path context = workDir.resolve("keycloak-image");
      deleteRecursively(context);
      copy(imagesDir.resolve("keycloak"), context);
      ContainerEngine.run(
          null, List.of("cp", "-a", home.toString(), context.resolve("keycloak").toString()));
      // a LocalKeycloak run's database and imported realm stay out of the image
      deleteRecursively(context.resolve("keycloak/data"));
      build(tag, jre, context);
      deleteRecursively(context);
    }
    return tag;
  }

  /**
   * The service {@code module}'s image, loaded from the Jib tar its module's build wrote ({@code
   * localhost/allied/<module>:<version>}), and tagged by its id ({@code
   * localhost/allied/it-<module>:<id>}), so the test runs this tar's image even if another load
   * replaces the name meanwhile.
   */
  String service(String module, String version) {
    Path tar = projectRoot.resolve(module).resolve("target/jib-image.tar");
    if (!Files.isRegularFile(tar)) {
      throw new IllegalStateException(
          "no image tar at "
              + tar
              + ": build it with the module (./mvnw -pl "
              + module
              + " -am package) before this test");
    }
    long started = System.nanoTime();
    String id = ImageTar.imageId(tar);
    String tag = "localhost/allied/it-" + module + ":" + id.substring(0, 16);
    if (!exists(tag)) {
      ContainerEngine.podman(null, "load", "-q", "-i", tar.toString());
      ContainerEngine.podman(null, "tag", id, tag);
    }
    progress.accept(
        String.format(
            "image %s (localhost/allied/%s:%s) ready in %.1f s",
            tag, module, version, (System.nanoTime() - started) / 1e9));
    return tag;
  }

  private String debian() {
    if (!exists(DEBIAN)) {
      progress.accept("image " + DEBIAN + ": debootstrap (once; about a minute)");
      ContainerEngine.run(null, List.of(imagesDir.resolve("debian/build.sh").toString(), DEBIAN));
    }
    return DEBIAN;
  }

  private String built(String name, String base, Path context, String extra) {
    String tag = tag(name, base, context, extra);
    if (!exists(tag)) {
      build(tag, base, context);
    }
    return tag;
  }

  private void build(String tag, String base, Path context) {
    long started = System.nanoTime();
    progress.accept("image " + tag + ": building");
    ContainerEngine.podman(
        context,
        "build",
        "-q",
        "--build-arg",
        "BASE=" + base,
        "-t",
        tag,
        "-f",
        "Containerfile",
        ".");
    progress.accept(
        String.format("image %s built in %.1f s", tag, (System.nanoTime() - started) / 1e9));
  }

  /**
   * {@code localhost/allied/it-<name>:<digest>}, the digest over the base image's id, every file of
   * the context and {@code extra}.
   */
  private static String tag(String name, String base, Path context, String extra) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(imageId(base).getBytes(StandardCharsets.UTF_8));
      digest.update(extra.getBytes(StandardCharsets.UTF_8));
      try (Stream<Path> files = Files.walk(context)) {
        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
          digest.update(context.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
          digest.update(Files.readAllBytes(file));
        }
      }
      return "localhost/allied/it-"
          + name
          + ":"
          + HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean exists(String image) {
    try {
      Process process =
          new ProcessBuilder("podman", "image", "exists", image)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return process.waitFor() == 0;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run podman (.ci/podman-setup installs it)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String imageId(String image) {
    return ContainerEngine.podman(null, "image", "inspect", "--format", "{{.Id}}", image).trim();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copy(Path from, Path to) {
    ContainerEngine.run(null, List.of("mkdir", "-p", to.getParent().toString()));
    ContainerEngine.run(null, List.of("cp", "-a", from.toString(), to.toString()));
  }

  private static void deleteRecursively(Path path) {
    ContainerEngine.run(null, List.of("rm", "-rf", path.toString()));
  }
}
