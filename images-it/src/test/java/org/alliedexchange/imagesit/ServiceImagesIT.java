package org.alliedexchange.imagesit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each service's image as {@code ./mvnw verify} leaves it in {@code <module>/target/jib-image.tar}:
 * it loads into podman, runs as uid 10001 on a read-only root file system with only a {@code /tmp}
 * tmpfs, starts its JVM, and, with no configuration, refuses to start naming a missing key.
 */
class ServiceImagesIT {

  static final Path ROOT = Path.of(System.getProperty("allied.root", "..")).toAbsolutePath();
  static final String VERSION = System.getProperty("allied.version", "0.1.0-SNAPSHOT");

  @BeforeAll
  static void podman() {
    Podman.require();
  }

  /** Loads the module's tar; returns the image's id (a tag may be overwritten by another build). */
  static String load(String module) throws IOException {
    Path tar = ROOT.resolve(module).resolve("target/jib-image.tar");
    assertThat(tar).as("the image tar `./mvnw package` builds").isRegularFile();
    String loaded = Podman.check(300, "load", "--quiet", "--input", tar.toString());
    assertThat(loaded).contains("localhost/allied/" + module + ":" + VERSION);
    String id = Files.readString(ROOT.resolve(module).resolve("target/jib-image.id")).strip();
    return id.replace("sha256:", "");
  }

  @ParameterizedTest
  @CsvSource({
    "gateway, GatewayApplication, allied.gateway.nations, 8443/tcp 8081/tcp",
    "exchange-service, ExchangeServiceApplication, allied.exchange.database.url, 9090/tcp 8081/tcp",
    "audit-service, AuditServiceApplication, allied.audit.database.url, 9090/tcp 9091/tcp 8081/tcp"
  })
  void startsReadOnlyAsAlliedAndFailsClosedNamingAMissingKey(
      String module, String main, String missingKey, String ports) throws IOException {
    String image = load(module);

    String config =
        Podman.check(
            30,
            "image",
            "inspect",
            "--format",
            "{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.ExposedPorts}}",
            image);
    assertThat(config).startsWith("10001:10001|");
    // exec form, the JRE by path: there is no shell in the image
    assertThat(config).contains("[\"/usr/lib/jvm/java-17-openjdk-amd64/bin/java\"");
    for (String port : ports.split(" ")) {
      assertThat(config).contains("\"" + port + "\"");
    }

    Podman.Result run =
        Podman.run(120, "run", "--rm", "--read-only", "--tmpfs", "/tmp", "--user", "10001", image);
    assertThat(run.output()).contains("Starting " + main + " using Java 17");
    assertThat(run.output()).contains("started by allied");
    assertThat(run.output()).contains("APPLICATION FAILED TO START");
    assertThat(run.output()).contains("Property: " + missingKey);
    assertThat(run.exitCode()).isEqualTo(1);
  }

  /**
   * Every service's image is made by the root pom's one Jib configuration (fixed creation and file
   * times), so the gateway's second build stands for all of them.
   */
  @Test
  void buildingTwiceGivesTheSameDigest() throws IOException {
    Path target = ROOT.resolve("gateway").resolve("target");
    String first = Files.readString(target.resolve("jib-image.digest")).strip();
    String again = Files.readString(target.resolve("jib-image-again.digest")).strip();
    assertThat(first).startsWith("sha256:");
    assertThat(again).isEqualTo(first);
  }
}
