package org.alliedexchange.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bouncy Castle's verification, held to the JDK provider's verdict on every signature tried. */
class SignatureCheckTest {

  @TempDir Path dir;

  @Test
  void aSignatureVerifiesOnlyForItsKeyAndItsData() throws Exception {
    NationalKey kor = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    NationalKey jpn = NationalKey.loadOrCreate(dir.resolve("jpn.pem"));
    byte[] data = "극비 / 極秘 / TOP SECRET".getBytes(StandardCharsets.UTF_8);
    byte[] signature = sign(kor, data);

    assertThat(SignatureCheck.verifies(kor.keyPair().getPublic(), data, signature)).isTrue();
    assertThat(SignatureCheck.verifies(jpn.keyPair().getPublic(), data, signature)).isFalse();
    byte[] changed = data.clone();
    changed[0] ^= 1;
    assertThat(SignatureCheck.verifies(kor.keyPair().getPublic(), changed, signature)).isFalse();
  }

  @Test
  void everyChangedSignatureGetsTheJdksVerdict() throws Exception {
    NationalKey kor = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    PublicKey key = kor.keyPair().getPublic();
    byte[] data = "an item of the trilateral conference".getBytes(StandardCharsets.UTF_8);
    byte[] signature = sign(kor, data);
    int refused = 0;
    for (int bit = 0; bit < signature.length * 8; bit++) {
      byte[] flipped = signature.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      boolean verdict = SignatureCheck.verifies(key, data, flipped);
      assertThat(verdict).as("bit %d flipped", bit).isEqualTo(jdkVerifies(key, data, flipped));
      refused += verdict ? 0 : 1;
    }
    assertThat(refused).as("flipped signatures refused").isEqualTo(signature.length * 8);
    for (byte[] odd :
        new byte[][] {
          new byte[0],
          Arrays.copyOf(signature, signature.length - 1),
          Arrays.copyOf(signature, signature.length + 1),
          new byte[] {0x30, 0x00},
          new byte[72],
        }) {
      assertThat(SignatureCheck.verifies(key, data, odd)).isFalse();
      assertThat(jdkVerifies(key, data, odd)).isFalse();
    }
  }

  @Test
  void theOtherHalfOfAnEcdsaPairGetsTheJdksVerdictToo() throws Exception {
    // (r, n - s) is the same signature's mirror: ECDSA itself accepts it; both must say the same
    NationalKey kor = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    ECPublicKey key = (ECPublicKey) kor.keyPair().getPublic();
    byte[] data = "FLASH".getBytes(StandardCharsets.UTF_8);
    BigInteger[] rs = Der.read(sign(kor, data));
    BigInteger n = key.getParams().getOrder();
    byte[] mirrored = Der.write(rs[0], n.subtract(rs[1]));
    assertThat(SignatureCheck.verifies(key, data, mirrored))
        .isEqualTo(jdkVerifies(key, data, mirrored));
    byte[] sOutOfRange = Der.write(rs[0], rs[1].add(n));
    assertThat(SignatureCheck.verifies(key, data, sOutOfRange)).isFalse();
    assertThat(jdkVerifies(key, data, sOutOfRange)).isFalse();
  }

  @Test
  void aKeyOfAnotherKindIsAnErrorNotAVerdict() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    PublicKey key = rsa.generateKeyPair().getPublic();
    assertThatThrownBy(() -> SignatureCheck.verifies(key, new byte[] {1}, new byte[] {2}))
        .isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void aKeyWhosePointIsOffTheCurveIsAnErrorNotAVerdict() throws Exception {
    // the JDK's key factory takes such a key; a hostile export file can embed one
    NationalKey kor = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    byte[] encoded = kor.keyPair().getPublic().getEncoded();
    encoded[encoded.length - 1] ^= 1;
    PublicKey offTheCurve =
        java.security.KeyFactory.getInstance("EC")
            .generatePublic(new java.security.spec.X509EncodedKeySpec(encoded));
    byte[] data = "FLASH".getBytes(StandardCharsets.UTF_8);
    byte[] signature = sign(kor, data);

    assertThatThrownBy(() -> SignatureCheck.verifies(offTheCurve, data, signature))
        .isInstanceOf(java.security.InvalidKeyException.class)
        .hasMessageContaining("not a valid EC P-256 public key");
    assertThat(SignatureCheck.verifies(kor.keyPair().getPublic(), data, signature)).isTrue();
  }

  @Test
  void aKeyOnAnotherCurveIsAnErrorNotAVerdict() throws Exception {
    KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
    p384.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
    java.security.KeyPair pair = p384.generateKeyPair();
    Signature signer = Signature.getInstance(NationalKey.ALGORITHM);
    signer.initSign(pair.getPrivate());
    signer.update(new byte[] {1});
    byte[] signature = signer.sign();

    assertThatThrownBy(() -> SignatureCheck.verifies(pair.getPublic(), new byte[] {1}, signature))
        .isInstanceOf(java.security.InvalidKeyException.class)
        .hasMessage("not an EC P-256 public key");
  }

  @Test
  void aHugeSignatureIsRefusedWithoutBeingParsed() throws Exception {
    // a SEQUENCE of a million INTEGERs: 3 MB a parser would walk
    NationalKey kor = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    byte[] huge = new byte[3_000_006];
    huge[0] = 0x30;
    huge[1] = (byte) 0x83;
    huge[2] = 0x2D;
    huge[3] = (byte) 0xC6;
    huge[4] = (byte) 0xC0;
    for (int at = 5; at + 3 <= huge.length; at += 3) {
      huge[at] = 0x02;
      huge[at + 1] = 0x01;
      huge[at + 2] = 0x01;
    }
    assertThat(SignatureCheck.verifies(kor.keyPair().getPublic(), new byte[] {1}, huge)).isFalse();
    assertThat(SignatureCheck.verifies(kor.keyPair().getPublic(), new byte[] {1}, null)).isFalse();
  }

  static byte[] sign(NationalKey key, byte[] data) throws GeneralSecurityException {
    Signature signer = Signature.getInstance(NationalKey.ALGORITHM);
    signer.initSign(key.keyPair().getPrivate());
    signer.update(data);
    return signer.sign();
  }

  static boolean jdkVerifies(PublicKey key, byte[] data, byte[] signature) {
    try {
      Signature check = Signature.getInstance(NationalKey.ALGORITHM);
      check.initVerify(key);
      check.update(data);
      return check.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** The DER SEQUENCE of two INTEGERs an ECDSA signature is (short lengths only, as for P-256). */
  static final class Der {
    static BigInteger[] read(byte[] der) {
      int at = 2;
      BigInteger[] out = new BigInteger[2];
      for (int i = 0; i < 2; i++) {
        int length = der[at + 1];
        out[i] = new BigInteger(Arrays.copyOfRange(der, at + 2, at + 2 + length));
        at += 2 + length;
      }
      return out;
    }

    static byte[] write(BigInteger r, BigInteger s) {
      byte[] rb = r.toByteArray();
      byte[] sb = s.toByteArray();
      byte[] out = new byte[6 + rb.length + sb.length];
      out[0] = 0x30;
      out[1] = (byte) (4 + rb.length + sb.length);
      out[2] = 0x02;
      out[3] = (byte) rb.length;
      System.arraycopy(rb, 0, out, 4, rb.length);
      out[4 + rb.length] = 0x02;
      out[5 + rb.length] = (byte) sb.length;
      System.arraycopy(sb, 0, out, 6 + rb.length, sb.length);
      return out;
    }
  }
}
