package org.alliedexchange.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds an image tar from Debian packages and extra files, or takes it from the cache. The cache
 * key is the packages' resolved versions plus the recipe and this code, so a security update in the
 * machine's package lists builds a new image and nothing else does.
 *
 * <p>Use: {@code DebianImage.named("localhost/allied/redis:7").packages("redis-server") .extras(fs
 * -> fs.addFile(...)).config(...).build(output)}.
 */
public final class DebianImage {

  private static final Logger log = LoggerFactory.getLogger(DebianImage.class);

  /** Files no container reads: documentation (each package's copyright stays), manuals, lintian. */
  public static final Predicate<String> WITHOUT_DOCUMENTATION =
      path ->
          !(path.startsWith("usr/share/doc/") && !path.endsWith("/copyright"))
              && !path.startsWith("usr/share/man/")
              && !path.startsWith("usr/share/info/")
              && !path.startsWith("usr/share/lintian/")
              && !path.startsWith("usr/share/doc-base/")
              && !path.startsWith("usr/share/locale/");

  /** One step of a recipe that adds files (passwd, certificates, ...) once the packages are in. */
  @FunctionalInterface
  public interface Extras {
    void addTo(RootFilesystem root) throws IOException;
  }

  private final String reference;
  private final List<String> packages = new ArrayList<>();
  private final Set<String> leftOut = new LinkedHashSet<>();
  private final List<Extras> extras = new ArrayList<>();
  private final List<Class<?>> recipeClasses = new ArrayList<>();
  private Predicate<String> keep = WITHOUT_DOCUMENTATION;
  private ImageConfig config;
  private Path cache = defaultCache();

  private DebianImage(String reference) {
    this.reference = reference;
  }

  /** An image that loads as {@code reference}, e.g. {@code localhost/allied/jre-base:17}. */
  public static DebianImage named(String reference) {
    return new DebianImage(reference);
  }

  /** The packages to install, with their dependency closure. */
  public DebianImage packages(String... names) {
    packages.addAll(List.of(names));
    return this;
  }

  /**
   * Packages of the closure to leave out: those only maintainer scripts need (their dependencies
   * stay in).
   */
  public DebianImage leaveOut(String... names) {
    leftOut.addAll(List.of(names));
    return this;
  }

  /** Which package paths to keep; {@link #WITHOUT_DOCUMENTATION} by default. */
  public DebianImage keep(Predicate<String> paths) {
    this.keep = paths;
    return this;
  }

  /**
   * Files added after the packages; {@code recipe} is the class whose code adds them, hashed into
   * the cache key so a changed recipe builds anew.
   */
  public DebianImage extras(Class<?> recipe, Extras step) {
    recipeClasses.add(recipe);
    extras.add(step);
    return this;
  }

  public DebianImage config(ImageConfig config) {
    this.config = config;
    return this;
  }

  /** Where built images and downloaded packages are kept ({@link #defaultCache()} otherwise). */
  public DebianImage cache(Path directory) {
    this.cache = directory;
    return this;
  }

  /** {@code ~/.cache/allied-exchange/images}, or under {@code $XDG_CACHE_HOME}. */
  public static Path defaultCache() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg == null || xdg.isBlank()
            ? Path.of(System.getProperty("user.home"), ".cache")
            : Path.of(xdg);
    return base.resolve("allied-exchange").resolve("images");
  }

  /**
   * Writes the image to {@code output} (a hard link to the cached tar where the file system allows)
   * and returns the cached tar.
   */
  public Path build(Path output) throws IOException {
    if (config == null) {
      throw new IllegalStateException(reference + ": no image config");
    }
    List<DebianPackage> resolved = DebianPackages.resolve(packages);
    String key = cacheKey(resolved);
    String fileName = reference.replaceAll(".*/", "").replace(':', '-') + "-" + key + ".tar";
    Path cached = cache.resolve(fileName);
    if (Files.isRegularFile(cached)) {
      log.info("{}: cached {}", reference, cached);
    } else {
      long start = System.nanoTime();
      Path debs = cache.resolve("debs");
      DebianPackages.download(resolved, debs);
      RootFilesystem root = new RootFilesystem();
      StringBuilder status = new StringBuilder();
      for (DebianPackage p : resolved) {
        if (leftOut.contains(p.name())) {
          continue;
        }
        Path deb = debs.resolve(p.fileName());
        root.addPackage(deb, keep);
        status.append(installed(DebianPackages.controlFields(deb))).append('\n');
      }
      // what scanners read to list an image's packages
      root.addFile("var/lib/dpkg/status", 0644, status.toString());
      for (Extras step : extras) {
        step.addTo(root);
      }
      Files.createDirectories(cache);
      Path layer = Files.createTempFile(cache, fileName, ".layer");
      Path image = Files.createTempFile(cache, fileName, ".part");
      try {
        try (OutputStream out = Files.newOutputStream(layer)) {
          root.writeTar(out);
        }
        DockerArchive.write(image, layer, reference, config);
        // readable like any build output (a temporary file starts private)
        Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("rw-r--r--"));
        moveAtomically(image, cached);
        deleteOlderBuilds(cached, fileName.substring(0, fileName.length() - key.length() - 4));
      } finally {
        Files.deleteIfExists(layer);
        Files.deleteIfExists(image);
      }
      log.info(
          "{}: built {} from {} packages in {} s",
          reference,
          cached,
          resolved.size() - leftOut.size(),
          (System.nanoTime() - start) / 1_000_000_000);
    }
    link(cached, output);
    return cached;
  }

  private String cacheKey(List<DebianPackage> resolved) throws IOException {
    MessageDigest digest = DockerArchive.sha256();
    StringBuilder recipe = new StringBuilder(reference).append('\n');
    resolved.forEach(
        p -> recipe.append(p.pinned()).append(' ').append(p.architecture()).append('\n'));
    recipe.append("left out ").append(leftOut).append('\n').append(config.json()).append('\n');
    digest.update(recipe.toString().getBytes(StandardCharsets.UTF_8));
    List<Class<?>> code =
        new ArrayList<>(
            List.of(
                DebianImage.class,
                RootFilesystem.class,
                DockerArchive.class,
                DebianPackages.class,
                JavaTrustStore.class,
                Json.class,
                ImageConfig.class));
    code.addAll(recipeClasses);
    for (Class<?> c : code) {
      try (InputStream bytes = c.getResourceAsStream(c.getSimpleName() + ".class")) {
        if (bytes == null) {
          throw new IOException("cannot read the code of " + c);
        }
        digest.update(bytes.readAllBytes());
      }
    }
    // the keep predicate is code too: a lambda of the recipe or WITHOUT_DOCUMENTATION
    return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
  }

  /** dpkg's status stanza: the control fields with the state of an installed package. */
  private static String installed(String control) {
    StringBuilder stanza = new StringBuilder();
    for (String line : control.strip().split("\n")) {
      stanza.append(line).append('\n');
      if (line.startsWith("Package: ")) {
        stanza.append("Status: install ok installed\n");
      }
    }
    return stanza.toString();
  }

  /** Earlier builds of the same image (older package versions or recipe) are not used again. */
  private static void deleteOlderBuilds(Path cached, String prefix) throws IOException {
    try (var files = Files.list(cached.getParent())) {
      for (Path old : files.toList()) {
        String name = old.getFileName().toString();
        if (name.startsWith(prefix) && name.endsWith(".tar") && !old.equals(cached)) {
          Files.deleteIfExists(old);
        }
      }
    }
  }

  private static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void link(Path cached, Path output) throws IOException {
    Path parent = output.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Files.deleteIfExists(output);
    try {
      Files.createLink(output, cached);
    } catch (IOException | UnsupportedOperationException e) {
      Path part = Files.createTempFile(parent, output.getFileName().toString(), ".part");
      Files.copy(cached, part, StandardCopyOption.REPLACE_EXISTING);
      moveAtomically(part, output);
    }
  }
}
