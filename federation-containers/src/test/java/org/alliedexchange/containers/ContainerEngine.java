package org.alliedexchange.containers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;

/**
 * The container engine the federation runs on: Podman's Docker API for Testcontainers, the {@code
 * podman} command for building and loading images. Where none answers, the test fails, saying how
 * to get one; it never skips.
 */
final class ContainerEngine {

  private ContainerEngine() {}

  /** Fails, with what to do, when no container engine answers. */
  static void require() {
    boolean available;
    try {
      available = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      available = false;
    }
    if (!available) {
      throw new IllegalStateException(
          "no container engine answers at DOCKER_HOST="
              + System.getenv("DOCKER_HOST")
              + ": the federation-as-containers test needs one. On these machines run"
              + " .ci/podman-setup (as root: Podman, its runtime wrapper and the Docker API socket"
              + " /run/podman/podman.sock); elsewhere point -Ddocker.host at your engine.");
    }
  }

  /** Runs {@code podman} with {@code arguments}; throws with its output when it fails. */
  static String podman(Path directory, String... arguments) {
    List<String> command = new ArrayList<>(List.of("podman"));
    command.addAll(List.of(arguments));
    return run(directory, command);
  }

  /** Runs {@code command}; throws with its output when it fails. */
  static String run(Path directory, List<String> command) {
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(directory == null ? null : directory.toFile())
              .redirectErrorStream(true)
              .start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed:\n" + tail(output, 40));
      }
      return output;
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run " + command.get(0) + " (is it installed? .ci/podman-setup): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command.get(0), e);
    }
  }

  private static String tail(String output, int lines) {
    String[] all = output.split("\n");
    return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
  }
}
