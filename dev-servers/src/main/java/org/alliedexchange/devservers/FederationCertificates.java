package org.alliedexchange.devservers;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The federation's own certificate authority for the local run and the tests: an EC P-256 CA kept
 * in a directory ({@code ca.pem}, {@code ca-key.pem}), issuing each part a certificate for mutual
 * TLS, e.g. the gateway a client certificate and each backend a server certificate for 127.0.0.1
 * and localhost. A real deployment names its own PKI's files instead; the services only read PEM
 * files. Private keys are written readable by their owner only.
 */
public final class FederationCertificates {

  /** What a certificate is for (its extended key usage). */
  public enum Use {
    /** A server's: TLS server authentication. */
    SERVER,
    /** A caller's: TLS client authentication. */
    CLIENT,
    /** Both, for a part that serves and calls. */
    SERVER_AND_CLIENT
  }

  /** A certificate and its private key as PEM files, with the CA that issued it. */
  public record Issued(Path certificate, Path privateKey, Path authority) {}

  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Duration LEAF_VALIDITY = Duration.ofDays(397);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final X509Certificate caCertificate;
  private final PrivateKey caKey;

  private FederationCertificates(Path dir, X509Certificate caCertificate, PrivateKey caKey) {
    this.dir = dir;
    this.caCertificate = caCertificate;
    this.caKey = caKey;
  }

  /**
   * The CA kept in {@code dir}, created there (with a fresh key) when the directory holds none, so
   * a federation restarted on the same data keeps trusting the certificates it issued before.
   */
  public static FederationCertificates openOrCreate(Path dir) {
    try {
      Files.createDirectories(dir);
      Path certificate = dir.resolve("ca.pem");
      Path key = dir.resolve("ca-key.pem");
      if (Files.exists(certificate) && Files.exists(key)) {
        return new FederationCertificates(dir, readCertificate(certificate), readKey(key));
      }
      KeyPair pair = newKeyPair();
      X500Name name = new X500Name("CN=Allied Exchange local federation CA");
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              serial(),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(CA_VALIDITY)),
              name,
              pair.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(
              Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              extensions.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate ca = sign(builder, pair.getPrivate());
      writePrivate(key, pem(pair.getPrivate()));
      Files.writeString(certificate, pem(ca));
      return new FederationCertificates(dir, ca, pair.getPrivate());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the federation's CA in " + dir, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the federation's CA: " + e.getMessage(), e);
    }
  }

  /** The CA's certificate, the one file every part trusts. */
  public Path authority() {
    return dir.resolve("ca.pem");
  }

  /**
   * A new certificate for {@code name} (its subject's common name, and a DNS name when it is a host
   * name), also valid for 127.0.0.1 and localhost, written as {@code <name>.pem} and {@code
   * <name>-key.pem}; issued again on every call, replacing the previous files.
   */
  public Issued issue(String name, Use use) {
    return issue(name, use, List.of());
  }

  /**
   * As {@link #issue(String, Use)}, also valid for each of {@code dnsNames}: the other names a part
   * is reached by, e.g. a container's network alias or a Kubernetes Service's name.
   */
  public Issued issue(String name, Use use, List<String> dnsNames) {
    for (String certified : concat(name, dnsNames)) {
      if (!certified.matches("[a-z0-9][a-z0-9.-]{0,62}")) {
        throw new IllegalArgumentException(
            "a certificate name is 1 to 63 of a-z 0-9 . -, not " + certified);
      }
    }
    try {
      KeyPair pair = newKeyPair();
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              caCertificate,
              serial(),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(LEAF_VALIDITY)),
              new X500Name("CN=" + name),
              pair.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      List<KeyPurposeId> purposes = new ArrayList<>();
      if (use != Use.CLIENT) {
        purposes.add(KeyPurposeId.id_kp_serverAuth);
      }
      if (use != Use.SERVER) {
        purposes.add(KeyPurposeId.id_kp_clientAuth);
      }
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(
              Extension.extendedKeyUsage,
              false,
              new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)))
          .addExtension(
              Extension.subjectAlternativeName,
              false,
              new GeneralNames(subjectAlternativeNames(name, dnsNames)))
          .addExtension(
              Extension.authorityKeyIdentifier,
              false,
              extensions.createAuthorityKeyIdentifier(caCertificate))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              extensions.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate leaf = sign(builder, caKey);
      Path certificate = dir.resolve(name + ".pem");
      Path key = dir.resolve(name + "-key.pem");
      writePrivate(key, pem(pair.getPrivate()));
      Files.writeString(certificate, pem(leaf));
      return new Issued(certificate, key, authority());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the certificate of " + name + " in " + dir, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot issue a certificate for " + name + ": " + e.getMessage(), e);
    }
  }

  private static List<String> concat(String name, List<String> dnsNames) {
    List<String> all = new ArrayList<>(List.of(name));
    all.addAll(dnsNames);
    return all;
  }

  private static GeneralName[] subjectAlternativeNames(String name, List<String> dnsNames) {
    List<GeneralName> names = new ArrayList<>();
    for (String dnsName : concat(name, dnsNames)) {
      names.add(new GeneralName(GeneralName.dNSName, dnsName));
    }
    names.add(new GeneralName(GeneralName.dNSName, "localhost"));
    names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
    return names.toArray(GeneralName[]::new);
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      // a private key as PKCS#8 ("PRIVATE KEY"), the form Netty, Redis and PostgreSQL all read
      writer.writeObject(
          object instanceof PrivateKey key
              ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null)
              : object);
    }
    return out.toString();
  }

  private static void writePrivate(Path file, String content) throws IOException {
    Files.deleteIfExists(file);
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.writeString(
        file, content, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static X509Certificate readCertificate(Path file)
      throws IOException, GeneralSecurityException {
    try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
      Object read = parser.readObject();
      if (!(read instanceof X509CertificateHolder holder)) {
        throw new GeneralSecurityException(file + " holds no certificate");
      }
      return new JcaX509CertificateConverter().getCertificate(holder);
    }
  }

  private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
    try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
      Object read = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (read instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      if (read instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      throw new GeneralSecurityException(file + " holds no private key");
    }
  }
}
