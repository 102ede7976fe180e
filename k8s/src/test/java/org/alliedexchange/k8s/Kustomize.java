package org.alliedexchange.k8s;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code kubectl kustomize}: renders a kustomization offline, as {@code kubectl apply -k} would.
 */
final class Kustomize {

  /** The k8s/ folder: the module's own directory, where Maven runs the tests. */
  static final Path K8S = Path.of("").toAbsolutePath();

  static final List<String> OVERLAYS = List.of("trilateral", "single-nation", "production");

  private Kustomize() {}

  /** The rendered YAML; fails, never skips, when kubectl is not there. */
  static String build(Path kustomization) throws IOException, InterruptedException {
    String kubectl = kubectl();
    Path errors = Files.createTempFile("kustomize", ".err");
    try {
      Process process =
          new ProcessBuilder(kubectl, "kustomize", kustomization.toString())
              .redirectError(errors.toFile())
              .start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("kubectl kustomize " + kustomization + " took over 60 s");
      }
      if (process.exitValue() != 0) {
        throw new AssertionError(
            "kubectl kustomize "
                + kustomization
                + " failed (exit "
                + process.exitValue()
                + "):\n"
                + Files.readString(errors));
      }
      return new String(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(errors);
    }
  }

  static String kubectl() {
    return kubectl(System.getenv().getOrDefault("PATH", ""));
  }

  /** kubectl on this search path, or an error saying the checks need it. */
  static String kubectl(String path) {
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "kubectl");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(
        "kubectl is not on the PATH: the Kubernetes manifests' checks render every overlay with"
            + " `kubectl kustomize` (kubectl 1.27 or newer, which has kustomize built in). Install"
            + " kubectl; these checks do not skip.");
  }
}
