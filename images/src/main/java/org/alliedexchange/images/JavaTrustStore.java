package org.alliedexchange.images;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.SortedMap;

/**
 * The JRE's {@code cacerts} built from Debian's CA certificates, as ca-certificates-java's postinst
 * would, but byte for byte the same on every build: a JKS store (JDK 17 reads it as {@code
 * cacerts}) written here because {@code KeyStore} stamps each entry with the current time.
 */
public final class JavaTrustStore {

  private static final int MAGIC = 0xFEEDFEED;
  private static final int VERSION = 2;
  private static final int TRUSTED_CERTIFICATE = 2;

  private JavaTrustStore() {}

  /**
   * A JKS store, password {@code changeit} (the JDK's, which only guards integrity), trusting each
   * certificate under its alias; the map's order is the store's.
   */
  public static byte[] jks(SortedMap<String, X509Certificate> certificates, long createdMillis)
      throws IOException {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      for (char c : "changeit".toCharArray()) {
        sha1.update((byte) (c >> 8));
        sha1.update((byte) c);
      }
      // the JKS format's integrity check salts the password with this phrase
      sha1.update("Mighty Aphrodite".getBytes(StandardCharsets.UTF_8));
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(certificates.size());
      for (Map.Entry<String, X509Certificate> e : certificates.entrySet()) {
        byte[] encoded = e.getValue().getEncoded();
        out.writeInt(TRUSTED_CERTIFICATE);
        out.writeUTF(e.getKey());
        out.writeLong(createdMillis);
        out.writeUTF("X.509");
        out.writeInt(encoded.length);
        out.write(encoded);
      }
      out.flush();
      sha1.update(bytes.toByteArray());
      out.write(sha1.digest());
      out.flush();
      return bytes.toByteArray();
    } catch (NoSuchAlgorithmException | CertificateException e) {
      throw new IOException("cannot write the trust store", e);
    }
  }

  /** One certificate from a PEM or DER file. */
  public static X509Certificate certificate(byte[] file) throws IOException {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(file));
    } catch (CertificateException e) {
      throw new IOException("not an X.509 certificate", e);
    }
  }
}
