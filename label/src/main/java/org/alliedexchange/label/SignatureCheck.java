package org.alliedexchange.label;

import java.nio.ByteBuffer;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Checks an ECDSA P-256 ({@link NationalKey#ALGORITHM}) signature: the one home every binding,
 * chain head, checkpoint and signed report is verified through.
 *
 * <p>Verification uses Bouncy Castle's ECDSA, not the JDK 17 provider's: on this project's machines
 * it verifies in about a fifth of the time, and the gateway verifies the binding of every item it
 * releases (docs/adr/2026-11-27-signatures-verified-with-bouncy-castle.md). A verifier handles only
 * public values (key, message, signature), so it needs none of the constant-time care signing does;
 * signing stays with the JDK. The provider instance is private to this class and never installed,
 * so nothing else in the process (TLS, JWT checks) changes provider. {@code SignatureCheckTest}
 * holds it to the JDK's verdict on changed and crafted signatures.
 */
public final class SignatureCheck {

  private static final BouncyCastleProvider PROVIDER = new BouncyCastleProvider();
  // a DER SEQUENCE of two INTEGERs of at most 33 bytes each: anything longer is not P-256's
  private static final int MAX_SIGNATURE_BYTES = 72;
  private static final ECParameterSpec P256 = p256();
  // keys converted (and checked) once: a nation's few trusted keys; bounded, because an export
  // file's embedded key is the file's own, whoever made it
  private static final int MAX_KEYS = 64;
  private static final Map<ByteBuffer, PublicKey> CONVERTED = new ConcurrentHashMap<>();

  private SignatureCheck() {}

  /**
   * True when {@code signature} (DER, as {@link Signature#sign()} makes it) is {@code key}'s over
   * exactly {@code data}; false for any other signature, including a malformed one.
   *
   * @throws InvalidKeyException when {@code key} is not a P-256 public key whose point is on the
   *     curve
   */
  public static boolean verifies(PublicKey key, byte[] data, byte[] signature)
      throws GeneralSecurityException {
    PublicKey checked = converted(key);
    if (signature == null || signature.length > MAX_SIGNATURE_BYTES) {
      return false;
    }
    Signature check = Signature.getInstance(NationalKey.ALGORITHM, PROVIDER);
    check.initVerify(checked);
    check.update(data);
    try {
      return check.verify(signature);
    } catch (java.security.SignatureException e) {
      // a signature that is not a DER ECDSA value is simply not this key's signature
      return false;
    }
  }

  /**
   * @throws InvalidKeyException when {@code key} is not a P-256 public key whose point is on the
   *     curve: a key no signature could be checked with
   */
  static void requireUsable(PublicKey key) throws InvalidKeyException {
    converted(key);
  }

  /** {@code key} as Bouncy Castle's, its point checked to lie on P-256. */
  private static PublicKey converted(PublicKey key) throws InvalidKeyException {
    if (!(key instanceof ECPublicKey ec) || !isP256(ec.getParams())) {
      throw new InvalidKeyException("not an EC P-256 public key");
    }
    ByteBuffer encoded = ByteBuffer.wrap(key.getEncoded());
    PublicKey known = CONVERTED.get(encoded);
    if (known != null) {
      return known;
    }
    PublicKey fresh;
    try {
      fresh =
          KeyFactory.getInstance("EC", PROVIDER)
              .generatePublic(new X509EncodedKeySpec(encoded.array()));
    } catch (GeneralSecurityException | RuntimeException e) {
      // Bouncy Castle refuses a point off the curve (the JDK's key factory lets it through)
      throw new InvalidKeyException("not a valid EC P-256 public key: " + e.getMessage(), e);
    }
    if (CONVERTED.size() >= MAX_KEYS) {
      CONVERTED.clear();
    }
    CONVERTED.put(encoded, fresh);
    return fresh;
  }

  private static boolean isP256(ECParameterSpec params) {
    return params != null
        && params.getOrder().equals(P256.getOrder())
        && params.getGenerator().equals(P256.getGenerator())
        && params.getCurve().equals(P256.getCurve());
  }

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no P-256", e);
    }
  }
}
