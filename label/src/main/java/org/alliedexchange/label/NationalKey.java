package org.alliedexchange.label;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A nation's binding key pair (ECDSA P-256), kept as one PEM file holding the PKCS#8 private key
 * and the X.509 public key. The key id is the first 16 hex digits of the SHA-256 of the public key.
 */
public record NationalKey(KeyPair keyPair, String keyId) {

  public static final String ALGORITHM = "SHA256withECDSA";
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

  /** Reads the key file, or creates one (readable by its owner only) when it does not exist yet. */
  public static NationalKey loadOrCreate(Path file) {
    try {
      if (Files.exists(file)) {
        return read(Files.readString(file, StandardCharsets.US_ASCII), file.toString());
      }
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair pair = generator.generateKeyPair();
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(
          tmp,
          pem("PRIVATE KEY", pair.getPrivate().getEncoded())
              + pem("PUBLIC KEY", pair.getPublic().getEncoded()));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return new NationalKey(pair, keyId(pair.getPublic()));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read or create the signing key " + file + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create an EC P-256 key", e);
    }
  }

  static NationalKey read(String pem, String source) {
    byte[] privateKey = null;
    byte[] publicKey = null;
    Matcher matcher = PEM.matcher(pem);
    while (matcher.find()) {
      byte[] der = Base64.getMimeDecoder().decode(matcher.group(2));
      if (matcher.group(1).equals("PRIVATE KEY")) {
        privateKey = der;
      } else if (matcher.group(1).equals("PUBLIC KEY")) {
        publicKey = der;
      }
    }
    if (privateKey == null || publicKey == null) {
      throw new IllegalArgumentException(
          source + ": expected a PEM PRIVATE KEY (PKCS#8) and PUBLIC KEY block");
    }
    try {
      KeyFactory factory = KeyFactory.getInstance("EC");
      KeyPair pair =
          new KeyPair(
              factory.generatePublic(new X509EncodedKeySpec(publicKey)),
              factory.generatePrivate(new PKCS8EncodedKeySpec(privateKey)));
      return new NationalKey(pair, keyId(pair.getPublic()));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(source + ": not an EC key pair: " + e.getMessage(), e);
    }
  }

  /**
   * Where the public half of the key in {@code keyFile} is written: beside it, {@code
   * name.pub.pem}.
   */
  public static Path publicKeyFile(Path keyFile) {
    return keyFile.resolveSibling(
        keyFile.getFileName().toString().replaceAll("\\.pem$", "") + ".pub.pem");
  }

  /**
   * Writes the public key (PEM) beside {@code keyFile}, for the components that verify what this
   * key signs; never the private key file itself. Returns where it was written. A file already
   * holding this very key is left alone, so the pair may come mounted read-only (a Kubernetes
   * Secret with both halves).
   */
  public Path writePublicKeyBeside(Path keyFile) {
    Path file = publicKeyFile(keyFile);
    try {
      if (Files.isRegularFile(file)
          && Files.readString(file, StandardCharsets.US_ASCII).equals(publicKeyPem())) {
        return file;
      }
      Files.writeString(file, publicKeyPem());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the public key to " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  /** The public key as PEM, to give the verifiers of other components. */
  public String publicKeyPem() {
    return pem("PUBLIC KEY", keyPair.getPublic().getEncoded());
  }

  /** Reads a PEM PUBLIC KEY. */
  public static PublicKey publicKey(String pem) {
    Matcher matcher = PEM.matcher(pem);
    while (matcher.find()) {
      if (matcher.group(1).equals("PUBLIC KEY")) {
        try {
          PublicKey key =
              KeyFactory.getInstance("EC")
                  .generatePublic(
                      new X509EncodedKeySpec(Base64.getMimeDecoder().decode(matcher.group(2))));
          // refused here, when it is read, rather than at the first signature it should check:
          // the JDK's factory takes another curve, or a point off this one
          SignatureCheck.requireUsable(key);
          return key;
        } catch (GeneralSecurityException e) {
          throw new IllegalArgumentException("not an EC P-256 public key: " + e.getMessage(), e);
        }
      }
    }
    throw new IllegalArgumentException("no PEM PUBLIC KEY block");
  }

  public static String keyId(PublicKey key) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()))
          .substring(0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
