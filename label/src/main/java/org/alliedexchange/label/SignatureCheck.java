package org.alliedexchange.label;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Checks an ECDSA P-256 ({@link NationalKey#ALGORITHM}) signature: the one home every binding,
 * chain head, checkpoint and signed report is verified through.
 *
 * <p>Verification uses Bouncy Castle's ECDSA, not the JDK 17 provider's: on this project's machines
 * it verifies in about a fifth of the time (0.13 ms against 0.66 ms), and the gateway verifies the
 * binding of every item it releases (see BENCHMARKS.md, issue 16). A verifier handles only public
 * values (key, message, signature), so it needs none of the constant-time care signing does;
 * signing stays with the JDK. The provider instance is private to this class and never installed,
 * so nothing else in the process (TLS, JWT checks) changes provider. {@code SignatureCheckTest}
 * holds both implementations to the same verdict on mutated signatures.
 */
public final class SignatureCheck {

  private static final BouncyCastleProvider PROVIDER = new BouncyCastleProvider();

  private SignatureCheck() {}

  /**
   * True when {@code signature} (DER, as {@link Signature#sign()} makes it) is {@code key}'s over
   * exactly {@code data}; false for any other signature, including a malformed one.
   *
   * @throws GeneralSecurityException when the key is not an EC public key this algorithm can use
   */
  public static boolean verifies(PublicKey key, byte[] data, byte[] signature)
      throws GeneralSecurityException {
    Signature check = Signature.getInstance(NationalKey.ALGORITHM, PROVIDER);
    check.initVerify(key);
    check.update(data);
    try {
      return check.verify(signature);
    } catch (java.security.SignatureException e) {
      // a signature that is not a DER ECDSA value is simply not this key's signature
      return false;
    }
  }
}
