package org.alliedexchange.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class JavaTrustStoreTest {

  @Test
  void theJdkReadsTheStoreAndItIsTheSameEachTime() throws Exception {
    X509Certificate certificate = JavaTrustStore.certificate(selfSigned());
    SortedMap<String, X509Certificate> certificates = new TreeMap<>();
    certificates.put("debian:probe.pem", certificate);

    byte[] store = JavaTrustStore.jks(certificates, RootFilesystem.MODIFIED.toEpochMilli());
    assertThat(JavaTrustStore.jks(certificates, RootFilesystem.MODIFIED.toEpochMilli()))
        .isEqualTo(store);

    KeyStore loaded = KeyStore.getInstance("JKS");
    loaded.load(new ByteArrayInputStream(store), "changeit".toCharArray());
    assertThat(loaded.isCertificateEntry("debian:probe.pem")).isTrue();
    assertThat(loaded.getCertificate("debian:probe.pem")).isEqualTo(certificate);
  }

  private static byte[] selfSigned() throws Exception {
    return java.nio.file.Files.readAllBytes(
        java.nio.file.Path.of(JavaTrustStoreTest.class.getResource("probe.pem").toURI()));
  }
}
