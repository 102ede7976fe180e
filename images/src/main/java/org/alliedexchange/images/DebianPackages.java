package org.alliedexchange.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine's apt, used only to read: which versions its package lists resolve to, and the
 * signed-checked downloads of those exact versions. Nothing is installed on the machine.
 */
public final class DebianPackages {

  // "Inst libc6 (2.36-9+deb12u14 Debian-Security:12.0/stable-security [amd64])"
  private static final Pattern INSTALL_LINE =
      Pattern.compile("^Inst (\\S+) \\((\\S+) .*\\[(\\S+)\\]\\)", Pattern.MULTILINE);

  private DebianPackages() {}

  /**
   * The packages and their whole dependency closure (Depends and Pre-Depends, no Recommends), as
   * apt would install them on an empty system, in apt's order.
   */
  public static List<DebianPackage> resolve(List<String> names) throws IOException {
    requireApt();
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "apt-get",
            "--simulate",
            "-o",
            "Dir::State::status=/dev/null",
            "-o",
            "Debug::NoLocking=1",
            "install",
            "--no-install-recommends"));
    command.addAll(names);
    String output = run(command, null);
    List<DebianPackage> packages = new ArrayList<>();
    Matcher line = INSTALL_LINE.matcher(output);
    while (line.find()) {
      packages.add(new DebianPackage(line.group(1), line.group(2), line.group(3)));
    }
    if (packages.isEmpty()) {
      throw new IOException(
          "apt resolved no packages for "
              + names
              + " (are the package lists there? run `apt-get update`): "
              + output);
    }
    return List.copyOf(packages);
  }

  /** Downloads into {@code directory} the packages not already there; apt checks signatures. */
  public static void download(List<DebianPackage> packages, Path directory) throws IOException {
    Files.createDirectories(directory);
    List<String> command = new ArrayList<>(List.of("apt-get", "download", "-q"));
    for (DebianPackage p : packages) {
      if (!Files.isRegularFile(directory.resolve(p.fileName()))) {
        command.add(p.pinned());
      }
    }
    if (command.size() > 3) {
      run(command, directory);
    }
    for (DebianPackage p : packages) {
      if (!Files.isRegularFile(directory.resolve(p.fileName()))) {
        throw new IOException("apt-get download did not save " + p.fileName() + " in " + directory);
      }
    }
  }

  /** The package's file system tree as an uncompressed tar stream (dpkg-deb decompresses). */
  public static Process fileSystemTar(Path deb) throws IOException {
    return new ProcessBuilder("dpkg-deb", "--fsys-tarfile", deb.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  /** The package's control fields (Package, Version, Depends, ...), as dpkg-deb prints them. */
  public static String controlFields(Path deb) throws IOException {
    return run(List.of("dpkg-deb", "--field", deb.toString()), null);
  }

  private static void requireApt() throws IOException {
    for (String tool : List.of("apt-get", "dpkg-deb")) {
      if (!onPath(tool)) {
        throw new IOException(
            tool
                + " is missing: the container base images are built from Debian packages with the"
                + " machine's apt (a Debian or Ubuntu machine with package lists, e.g. after"
                + " `apt-get update`)");
      }
    }
  }

  private static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static String run(List<String> command, Path directory) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    builder.environment().put("LC_ALL", "C");
    Process process = builder.start();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + " failed:\n" + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroy();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
    return output;
  }
}
