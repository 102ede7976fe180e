package org.alliedexchange.gateway.auditors;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLException;
import org.springframework.boot.ssl.SslBundle;

/**
 * How the gateway's own auditors' API reaches the gateway's TLS port: trusting exactly the
 * certificate the gateway serves (nothing a CA signed for someone else), and naming the host that
 * certificate is for, since the connection goes to 127.0.0.1 whatever name the certificate carries.
 *
 * @param certificate the certificate the gateway presents
 * @param host a name the certificate is valid for, used as the calls' authority
 */
public record LoopbackTls(X509Certificate certificate, String host) {

  /** Reads the server's certificate from its SSL bundle (server.ssl.* or a named bundle). */
  public static LoopbackTls of(SslBundle server) {
    KeyStore store = server.getStores().getKeyStore();
    if (store == null) {
      throw new IllegalStateException(
          "the gateway listens with TLS but its SSL configuration holds no key store to read its certificate from");
    }
    try {
      String alias = server.getKey().getAlias();
      if (alias == null) {
        alias =
            Collections.list(store.aliases()).stream()
                .filter(name -> isKey(store, name))
                .findFirst()
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            "the gateway's key store holds no private key entry"));
      }
      Certificate certificate = store.getCertificate(alias);
      if (!(certificate instanceof X509Certificate x509)) {
        throw new IllegalStateException(
            "the gateway's key store holds no X.509 certificate under '" + alias + "'");
      }
      return new LoopbackTls(x509, hostOf(x509));
    } catch (KeyStoreException e) {
      throw new IllegalStateException(
          "could not read the gateway's certificate: " + e.getMessage(), e);
    }
  }

  private static boolean isKey(KeyStore store, String alias) {
    try {
      return store.isKeyEntry(alias);
    } catch (KeyStoreException e) {
      return false;
    }
  }

  /**
   * A DNS name from the subject alternative names, else an IP address there, else the subject's CN.
   */
  static String hostOf(X509Certificate certificate) {
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names != null) {
        for (int wanted : new int[] {2, 7}) { // dNSName, then iPAddress
          for (List<?> name : names) {
            if (((Integer) name.get(0)) == wanted && !name.get(1).toString().startsWith("*")) {
              return name.get(1).toString();
            }
          }
        }
        for (List<?> name : names) {
          if (((Integer) name.get(0)) == 2) {
            return "gateway"
                + name.get(1).toString().substring(1); // *.mod.example -> gateway.mod.example
          }
        }
      }
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
    } catch (CertificateParsingException | InvalidNameException e) {
      throw new IllegalStateException(
          "could not read the names in the gateway's certificate: " + e.getMessage(), e);
    }
    throw new IllegalStateException(
        "the gateway's certificate names no host (no subject alternative name, no CN)");
  }

  /** The client side of the loopback connection: this certificate and no other. */
  SslContext clientContext() {
    try {
      return GrpcSslContexts.forClient().trustManager(certificate).build();
    } catch (SSLException e) {
      throw new IllegalStateException(
          "could not set up TLS to the gateway's own port: " + e.getMessage(), e);
    }
  }
}
