package org.alliedexchange.imagesit;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The machine's podman, run as a command; its absence fails the test that needs it. */
final class Podman {

  record Result(int exitCode, String output) {}

  private Podman() {}

  static void require() {
    try {
      Result version = run(30, "--version");
      if (version.exitCode() != 0) {
        fail("podman does not run (" + version.output() + "): set it up with .ci/podman-setup");
      }
    } catch (IOException e) {
      fail(
          "podman is required to run the service images (it is missing: "
              + e.getMessage()
              + "); install and set it up with .ci/podman-setup");
    }
  }

  static Result run(int timeoutSeconds, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add("podman");
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output;
    try (InputStream in = process.getInputStream()) {
      output = in.readAllBytes();
    }
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(String.join(" ", command) + " did not end within " + timeoutSeconds + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  /** Runs and requires exit code 0. */
  static String check(int timeoutSeconds, String... args) throws IOException {
    Result result = run(timeoutSeconds, args);
    if (result.exitCode() != 0) {
      fail("podman " + String.join(" ", args) + " failed: " + result.output());
    }
    return result.output();
  }
}
