package org.alliedexchange.label;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import org.alliedexchange.api.label.v1.Binding;

/**
 * Binds a label to its content with the originating nation's key, in the spirit of STANAG 4778. The
 * signed bytes are {@code "allied-binding-v1" 0x00 || uint32be(len(L)) || L || SHA-256(C)}, L and C being
 * the serialized label and content exactly as stored and sent (see label.proto).
 */
public final class BindingSigner {

  static final byte[] DOMAIN = "allied-binding-v1\0".getBytes(StandardCharsets.US_ASCII);

  private final String nation;
  private final NationalKey key;
  private final ThreadLocal<Signature> signatures;

  public BindingSigner(String nation, NationalKey key) {
    this.nation = nation;
    this.key = key;
    PrivateKey privateKey = key.keyPair().getPrivate();
    this.signatures = ThreadLocal.withInitial(() -> {
      try {
        Signature signature = Signature.getInstance(NationalKey.ALGORITHM);
        signature.initSign(privateKey);
        return signature;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot sign with " + NationalKey.ALGORITHM, e);
      }
    });
  }

  public Binding sign(byte[] label, byte[] content, Instant at) {
    byte[] digest = sha256(content);
    try {
      Signature signature = signatures.get();
      signature.update(signedBytes(label, digest));
      return Binding.newBuilder()
          .setSigner(nation)
          .setKeyId(key.keyId())
          .setAlgorithm(NationalKey.ALGORITHM)
          .setContentDigest(ByteString.copyFrom(digest))
          .setSignature(ByteString.copyFrom(signature.sign()))
          .setSignedAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing failed", e);
    }
  }

  public KeyPair keyPair() {
    return key.keyPair();
  }

  static byte[] signedBytes(byte[] label, byte[] contentDigest) {
    return ByteBuffer.allocate(DOMAIN.length + 4 + label.length + contentDigest.length)
        .put(DOMAIN).putInt(label.length).put(label).put(contentDigest).array();
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
