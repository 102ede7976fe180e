package org.alliedexchange.serviceruntime;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend's side of mutual TLS with the gateway: its certificate and key, and a client check that
 * accepts, at the handshake, only a certificate issued by the configured authority to one of the
 * allowed names (the gateways'). A caller with no certificate, one from another CA, or one of the
 * federation's issued to anyone else never gets past the handshake, so its token is never read.
 */
public final class GatewayOnlyTls {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayOnlyTls.class);

  private final X509Certificate[] chain;
  private final PrivateKey key;
  private final X509ExtendedTrustManager clientTrust;

  private GatewayOnlyTls(
      X509Certificate[] chain, PrivateKey key, X509ExtendedTrustManager clientTrust) {
    this.chain = chain;
    this.key = key;
    this.clientTrust = clientTrust;
  }

  /**
   * Reads and checks the files {@code settings} names; every problem is an {@link
   * IllegalArgumentException} naming the key under {@code prefix} (e.g. {@code allied.exchange}).
   *
   * @return null when the settings ask, explicitly, for plaintext
   */
  public static GatewayOnlyTls open(String prefix, TlsSettings settings) {
    String tls = prefix + ".tls";
    if (settings.insecurePlaintext()) {
      LOG.warn(
          "{}.insecure-plaintext=true: this service answers anyone who reaches its port, over"
              + " plaintext; only a service mesh doing mutual TLS in front of it keeps others out",
          tls);
      return null;
    }
    X509Certificate[] chain =
        certificates(tls + ".certificate", required(tls, "certificate", settings.certificate()));
    PrivateKey key =
        privateKey(
            tls + ".private-key", required(tls, "private-key", settings.privateKey()), chain[0]);
    X509Certificate[] authorities =
        certificates(
            tls + ".client-authority",
            required(tls, "client-authority", settings.clientAuthority()));
    List<String> allowed = List.copyOf(settings.allowedClients());
    return new GatewayOnlyTls(
        chain, key, new AllowedClients(trustOnly(authorities), allowed, tls + ".allowed-clients"));
  }

  /** The gRPC server's TLS: client certificates required, checked by the allowed names. */
  public SslContext grpcServerContext() {
    try {
      return GrpcSslContexts.configure(SslContextBuilder.forServer(key, chain))
          .trustManager(clientTrust)
          .clientAuth(ClientAuth.REQUIRE)
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up the gRPC server's TLS: " + e.getMessage(), e);
    }
  }

  /** The service's certificate chain, leaf first, for another server of the same service. */
  public X509Certificate[] chain() {
    return chain.clone();
  }

  public PrivateKey privateKey() {
    return key;
  }

  /** The check of callers' certificates: the authority's, and one of the allowed names. */
  public X509ExtendedTrustManager clientTrust() {
    return clientTrust;
  }

  /**
   * A caller's side: presenting {@code certificate} (its key in {@code privateKey}) and trusting
   * servers whose certificates {@code authority} issued, e.g. for a probe or a test holding a
   * gateway's certificate. PEM files, as for the server.
   */
  public static SslContext grpcClientContext(Path certificate, Path privateKey, Path authority) {
    X509Certificate[] chain = certificates("client certificate", certificate);
    try {
      return GrpcSslContexts.forClient()
          .keyManager(privateKey("client private key", privateKey, chain[0]), chain)
          .trustManager(certificates("trusted authority", authority))
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up a client's TLS: " + e.getMessage(), e);
    }
  }

  private static Path required(String tls, String name, Path file) {
    if (file == null) {
      throw new IllegalArgumentException(
          tls
              + "."
              + name
              + " is required: the service accepts calls only from the gateway, over mutual TLS ("
              + tls
              + ".certificate, .private-key, .client-authority, PEM files). Plaintext only with "
              + tls
              + ".insecure-plaintext=true, behind a service mesh that does mutual TLS");
    }
    return file;
  }

  private static X509Certificate[] certificates(String key, Path file) {
    Collection<? extends java.security.cert.Certificate> read;
    try (InputStream in = Files.newInputStream(file)) {
      read = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException e) {
      throw new IllegalArgumentException(key + ": cannot read " + file + ": " + e, e);
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          key + ": " + file + " holds no readable PEM certificate: " + e.getMessage(), e);
    }
    if (read.isEmpty()) {
      throw new IllegalArgumentException(key + ": " + file + " holds no certificate");
    }
    List<X509Certificate> certificates = new ArrayList<>();
    for (java.security.cert.Certificate certificate : read) {
      X509Certificate x509 = (X509Certificate) certificate;
      try {
        x509.checkValidity();
      } catch (CertificateExpiredException e) {
        throw new IllegalArgumentException(
            key
                + ": the certificate of "
                + x509.getSubjectX500Principal().getName()
                + " in "
                + file
                + " expired on "
                + x509.getNotAfter().toInstant(),
            e);
      } catch (CertificateNotYetValidException e) {
        throw new IllegalArgumentException(
            key
                + ": the certificate of "
                + x509.getSubjectX500Principal().getName()
                + " in "
                + file
                + " is not valid before "
                + x509.getNotBefore().toInstant(),
            e);
      }
      certificates.add(x509);
    }
    return certificates.toArray(X509Certificate[]::new);
  }

  private static PrivateKey privateKey(String key, Path file, X509Certificate certificate) {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException(key + ": cannot read " + file + ": " + e, e);
    }
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          key
              + ": "
              + file
              + " holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----); convert it with"
              + " openssl pkcs8 -topk8 -nocrypt");
    }
    String algorithm = certificate.getPublicKey().getAlgorithm();
    PrivateKey privateKey;
    try {
      byte[] der =
          Base64.getMimeDecoder()
              .decode(pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
      privateKey = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          key + ": " + file + " holds no readable " + algorithm + " private key: " + e, e);
    }
    if (!matches(privateKey, certificate)) {
      throw new IllegalArgumentException(
          key
              + ": the key in "
              + file
              + " does not belong to the certificate of "
              + certificate.getSubjectX500Principal().getName());
    }
    return privateKey;
  }

  /** Whether a signature by the key verifies with the certificate's public key. */
  private static boolean matches(PrivateKey key, X509Certificate certificate) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return true; // nothing to check it with here; the handshake will tell
    }
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static X509ExtendedTrustManager trustOnly(X509Certificate[] authorities) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < authorities.length; i++) {
        store.setCertificateEntry("authority-" + i, authorities[i]);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK offers no X.509 trust manager");
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust the client authority: " + e.getMessage(), e);
    }
  }

  /** The names a certificate is for: its subject's CN and its DNS subject alternative names. */
  static List<String> names(X509Certificate certificate) {
    Set<String> names = new LinkedHashSet<>();
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          names.add(rdn.getValue().toString());
        }
      }
      Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> name : alternatives) {
          if (((Integer) name.get(0)) == 2) { // dNSName
            names.add(name.get(1).toString());
          }
        }
      }
    } catch (InvalidNameException | CertificateParsingException e) {
      // a certificate whose names cannot be read names no allowed client
    }
    return List.copyOf(names);
  }

  /** The authority's check, then one of the allowed names; servers are never checked with it. */
  private static final class AllowedClients extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager authority;
    private final List<String> allowed;
    private final String key;

    AllowedClients(X509ExtendedTrustManager authority, List<String> allowed, String key) {
      this.authority = authority;
      this.allowed = allowed;
      this.key = key;
    }

    private void requireAllowed(X509Certificate[] chain) throws CertificateException {
      List<String> names = names(chain[0]);
      if (names.stream().noneMatch(allowed::contains)) {
        LOG.warn(
            "refused a caller's TLS handshake: its certificate names {}, none of {} ({})",
            names,
            allowed,
            key);
        throw new CertificateException(
            "only a gateway may call this service: the certificate names "
                + names
                + ", none of the allowed clients");
      }
    }

    private static void logUntrusted(CertificateException e) {
      LOG.warn(
          "refused a caller's TLS handshake: its certificate is not trusted: {}", e.getMessage());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      try {
        authority.checkClientTrusted(chain, authType, socket);
      } catch (CertificateException e) {
        logUntrusted(e);
        throw e;
      }
      requireAllowed(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      try {
        authority.checkClientTrusted(chain, authType, engine);
      } catch (CertificateException e) {
        logUntrusted(e);
        throw e;
      }
      requireAllowed(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      try {
        authority.checkClientTrusted(chain, authType);
      } catch (CertificateException e) {
        logUntrusted(e);
        throw e;
      }
      requireAllowed(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("this trust manager checks callers, not servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("this trust manager checks callers, not servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("this trust manager checks callers, not servers");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return authority.getAcceptedIssuers();
    }
  }
}
