package org.alliedexchange.audit.chain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.SignatureCheck;

/**
 * Signs and checks checkpoints with the audit service's key (EC P-256, SHA256withECDSA). The signed
 * statement is {@code "allied-checkpoint-v1" 0x00 || relationship 0x00 || uint64be(sequence) ||
 * head || int64be(epoch seconds) || int32be(nanos)}, so neither the head nor the time can be moved.
 */
public final class CheckpointSigner {

  private static final byte[] DOMAIN = "allied-checkpoint-v1\0".getBytes(StandardCharsets.US_ASCII);
  private final NationalKey key;

  public CheckpointSigner(NationalKey key) {
    this.key = key;
  }

  public String keyId() {
    return key.keyId();
  }

  public Checkpoint sign(String relationship, long sequence, byte[] head, Instant at) {
    try {
      Signature signer = Signature.getInstance(NationalKey.ALGORITHM);
      signer.initSign(key.keyPair().getPrivate());
      signer.update(statement(relationship, sequence, head, at));
      return new Checkpoint(relationship, sequence, head.clone(), at, signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a checkpoint: " + e.getMessage(), e);
    }
  }

  /**
   * True when {@code checkpoint} was signed by the holder of {@code publicKey} and not changed
   * since.
   */
  public static boolean verifies(Checkpoint checkpoint, PublicKey publicKey) {
    try {
      return SignatureCheck.verifies(
          publicKey,
          statement(
              checkpoint.relationship(),
              checkpoint.sequence(),
              checkpoint.headHash(),
              checkpoint.issuedAt()),
          checkpoint.signature());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  static byte[] statement(String relationship, long sequence, byte[] head, Instant at) {
    byte[] name = relationship.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(DOMAIN.length + name.length + 1 + 8 + head.length + 12)
        .put(DOMAIN)
        .put(name)
        .put((byte) 0)
        .putLong(sequence)
        .put(head)
        .putLong(at.getEpochSecond())
        .putInt(at.getNano())
        .array();
  }
}
