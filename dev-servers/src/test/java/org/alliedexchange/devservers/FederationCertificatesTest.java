package org.alliedexchange.devservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FederationCertificatesTest {

  @TempDir Path dir;

  @Test
  void aCertificateIssuedByTheCaIsTrustedByItAndNotByAnotherCa() throws Exception {
    FederationCertificates ca = FederationCertificates.openOrCreate(dir.resolve("ca"));
    FederationCertificates.Issued gateway =
        ca.issue("allied-gateway", FederationCertificates.Use.CLIENT);

    X509Certificate leaf = read(gateway.certificate());
    assertThat(validates(leaf, read(ca.authority()))).isTrue();
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=allied-gateway");
    assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");

    FederationCertificates other = FederationCertificates.openOrCreate(dir.resolve("other"));
    assertThat(validates(leaf, read(other.authority()))).isFalse();
  }

  @Test
  void theCaSurvivesAReopenAndItsKeysAreReadableByTheOwnerOnly() throws Exception {
    FederationCertificates first = FederationCertificates.openOrCreate(dir);
    String before = Files.readString(first.authority());
    FederationCertificates reopened = FederationCertificates.openOrCreate(dir);
    FederationCertificates.Issued exchange =
        reopened.issue("exchange-kor", FederationCertificates.Use.SERVER);

    assertThat(Files.readString(reopened.authority())).isEqualTo(before);
    assertThat(validates(read(exchange.certificate()), read(first.authority()))).isTrue();
    assertThat(read(exchange.certificate()).getSubjectAlternativeNames())
        .extracting(name -> String.valueOf(name.get(1)))
        .contains("exchange-kor", "localhost", "127.0.0.1");
    for (Path key : List.of(exchange.privateKey(), dir.resolve("ca-key.pem"))) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
          .isEqualTo("rw-------");
      assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
    }
  }

  @Test
  void aNameThatIsNotAHostNameIsRefused() {
    FederationCertificates ca = FederationCertificates.openOrCreate(dir);
    assertThatThrownBy(() -> ca.issue("../gateway", FederationCertificates.Use.CLIENT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("../gateway");
  }

  @Test
  void aCertificateIsAlsoValidForTheNamesAContainerOrServiceIsReachedBy() throws Exception {
    FederationCertificates ca = FederationCertificates.openOrCreate(dir);
    FederationCertificates.Issued audit =
        ca.issue("audit", FederationCertificates.Use.SERVER, List.of("audit-service"));

    assertThat(read(audit.certificate()).getSubjectAlternativeNames())
        .extracting(name -> String.valueOf(name.get(1)))
        .containsExactly("audit", "audit-service", "localhost", "127.0.0.1");
    assertThatThrownBy(
            () -> ca.issue("audit", FederationCertificates.Use.SERVER, List.of("Audit_Service")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Audit_Service");
  }

  private static X509Certificate read(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static boolean validates(X509Certificate leaf, X509Certificate authority)
      throws Exception {
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(authority, null)));
    parameters.setRevocationEnabled(false);
    try {
      CertPathValidator.getInstance("PKIX")
          .validate(
              CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
      return true;
    } catch (CertPathValidatorException refused) {
      return false;
    }
  }
}
