package org.alliedexchange.gateway.routing;

import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLException;
import reactor.netty.http.Http2SslContextSpec;

/**
 * The gateway's side of mutual TLS with the backends: HTTP/2 over TLS presenting the gateway's
 * client certificate, trusting only the backends' authority (never the JDK's public CAs), checked
 * when the gateway starts, each problem naming its key.
 */
public final class BackendClientTls {

  private static final String KEY = "allied.gateway.backend-tls";

  private BackendClientTls() {}

  /** The client context for {@code certificate}, {@code privateKey} and {@code authority}. */
  public static SslContext open(Path certificate, Path privateKey, Path authority) {
    readCertificates(KEY + ".certificate", required("certificate", certificate));
    readable(KEY + ".private-key", required("private-key", privateKey));
    readCertificates(KEY + ".authority", required("authority", authority));
    try {
      return Http2SslContextSpec.forClient()
          .configure(
              builder ->
                  builder
                      .keyManager(certificate.toFile(), privateKey.toFile())
                      .trustManager(authority.toFile()))
          .sslContext();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          KEY
              + ".certificate and .private-key: "
              + certificate
              + " and "
              + privateKey
              + " are not a certificate and its PKCS#8 PEM key: "
              + e.getMessage(),
          e);
    }
  }

  private static Path required(String name, Path file) {
    if (file == null) {
      throw new IllegalArgumentException(
          KEY
              + "."
              + name
              + " is required when the backends' addresses are https: the gateway's client"
              + " certificate (."
              + "certificate, .private-key) and the backends' authority (.authority), PEM files");
    }
    return file;
  }

  private static void readable(String key, Path file) {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(key + ": cannot read " + file);
    }
  }

  private static void readCertificates(String key, Path file) {
    readable(key, file);
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
    for (java.security.cert.Certificate certificate : read) {
      X509Certificate x509 = (X509Certificate) certificate;
      try {
        x509.checkValidity();
      } catch (CertificateExpiredException | CertificateNotYetValidException e) {
        throw new IllegalArgumentException(
            key
                + ": the certificate of "
                + x509.getSubjectX500Principal().getName()
                + " in "
                + file
                + " is valid only from "
                + x509.getNotBefore().toInstant()
                + " to "
                + x509.getNotAfter().toInstant(),
            e);
      }
    }
  }
}
