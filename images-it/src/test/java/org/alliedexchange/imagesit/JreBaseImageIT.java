package org.alliedexchange.imagesit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the JRE base must provide though no package's postinst ran: a trust store for TLS, and
 * Netty's native transports loading on a read-only root file system.
 */
class JreBaseImageIT {

  static final String JAVA = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";
  static final Path PROBES = Path.of("target/test-classes").toAbsolutePath();

  @BeforeAll
  static void podman() {
    Podman.require();
  }

  @Test
  void theJreTrustsDebiansCertificateAuthorities() throws IOException {
    String image = ServiceImagesIT.load("exchange-service");
    String output = probe(image, "/probe", TrustStoreProbe.class);
    assertThat(output).containsPattern("trusted CAs: [1-9][0-9]{2}");
  }

  @Test
  void nettysNativeTransportsLoadOnAReadOnlyRoot() throws IOException {
    String image = ServiceImagesIT.load("gateway");
    // the class path Jib wrote into the image, with the probe added
    String classPath =
        Files.readString(
                ServiceImagesIT.ROOT.resolve("gateway/target/jib-cache/jib-classpath-file"))
            .strip();
    String output =
        probe(
            image,
            classPath + ":/probe",
            NativeTransportProbe.class,
            "io.grpc.netty.shaded.io.netty.channel.epoll.Epoll",
            "io.netty.channel.epoll.Epoll");
    assertThat(output)
        .contains("io.grpc.netty.shaded.io.netty.channel.epoll.Epoll available: true")
        .contains("io.netty.channel.epoll.Epoll available: true");
  }

  private static String probe(String image, String classPath, Class<?> main, String... args)
      throws IOException {
    java.util.List<String> command =
        new java.util.ArrayList<>(
            java.util.List.of(
                "run",
                "--rm",
                "--read-only",
                "--tmpfs",
                "/tmp",
                "--user",
                "10001",
                "--volume",
                PROBES + ":/probe:ro",
                "--entrypoint",
                JAVA,
                image,
                "-cp",
                classPath,
                main.getName()));
    command.addAll(java.util.List.of(args));
    return Podman.check(120, command.toArray(String[]::new));
  }
}
