package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed server certificate made by the JDK's keytool, for gateways that listen with TLS in
 * tests.
 */
final class TestCertificates {

  /**
   * @param keystore PKCS#12 holding the key and certificate, alias "allied"
   * @param password the key store's password (and the key's)
   * @param certificate the certificate alone, PEM
   */
  record Issued(Path keystore, String password, Path certificate) {

    /** A gateway's properties for listening with TLS on this certificate. */
    void serveWith(Map<String, Object> properties) {
      properties.put("server.ssl.enabled", "true");
      properties.put("server.ssl.key-store", keystore.toString());
      properties.put("server.ssl.key-store-type", "PKCS12");
      properties.put("server.ssl.key-store-password", password);
    }
  }

  /**
   * A two-day EC certificate with the given subject alternative names, e.g.
   * "ip:127.0.0.1,dns:localhost".
   */
  static Issued selfSigned(Path dir, String subjectAlternativeNames) throws Exception {
    String password = UUID.randomUUID().toString();
    Path keystore = dir.resolve("tls.p12");
    Path certificate = dir.resolve("tls.crt");
    keytool(
        "-genkeypair",
        "-alias",
        "allied",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=Allied Exchange gateway",
        "-ext",
        "san=" + subjectAlternativeNames,
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        keystore.toString(),
        "-storepass",
        password,
        "-keypass",
        password);
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "allied",
        "-keystore",
        keystore.toString(),
        "-storepass",
        password,
        "-file",
        certificate.toString());
    return new Issued(keystore, password, certificate);
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }

  private TestCertificates() {}
}
