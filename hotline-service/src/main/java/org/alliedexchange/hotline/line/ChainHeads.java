package org.alliedexchange.hotline.line;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.alliedexchange.api.hotline.v1.ChainHead;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;

/**
 * A conference's signed chain head, as allied.hotline.v1.ChainHead defines it. The hash runs over
 * the items in (origin, sequence) order, each as {@code origin 0x00 int64be(sequence)
 * sha256(content)}, so two nodes holding the same items of the same streams get the same hash.
 */
public final class ChainHeads {
  private ChainHeads() {}

  static final String CONTEXT = "allied-hotline-head-v1";

  /** SHA-256 over the items, which must be in (origin, sequence) order. */
  public static byte[] headHash(List<RelayItemDigest> items) {
    MessageDigest sha = sha256();
    for (RelayItemDigest item : items) {
      sha.update(item.origin().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(ByteBuffer.allocate(8).putLong(item.sequence()).array());
      sha.update(item.contentSha256());
    }
    return sha.digest();
  }

  /** The last sequence per origin of the items. */
  public static Map<String, Long> through(List<RelayItemDigest> items) {
    Map<String, Long> through = new TreeMap<>();
    for (RelayItemDigest item : items) {
      through.merge(item.origin(), item.sequence(), Math::max);
    }
    return through;
  }

  /** The head of these items of {@code conference}, signed with {@code key} at {@code at}. */
  public static ChainHead sign(
      String conference, List<RelayItemDigest> items, NationalKey key, Instant at) {
    Map<String, Long> through = through(items);
    byte[] hash = headHash(items);
    Instant signedAt = Instant.ofEpochSecond(at.getEpochSecond());
    try {
      Signature signature = Signature.getInstance(NationalKey.ALGORITHM);
      signature.initSign(key.keyPair().getPrivate());
      signature.update(statement(conference, through, hash, signedAt.getEpochSecond()));
      return ChainHead.newBuilder()
          .setConference(conference)
          .putAllThrough(through)
          .setHeadHash(ByteString.copyFrom(hash))
          .setSignedAt(WireMapping.timestamp(signedAt))
          .setKeyId(key.keyId())
          .setSignature(ByteString.copyFrom(signature.sign()))
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a chain head: " + e.getMessage(), e);
    }
  }

  /** Whether the head's signature verifies with {@code key}. */
  public static boolean verifies(ChainHead head, PublicKey key) {
    try {
      Signature signature = Signature.getInstance(NationalKey.ALGORITHM);
      signature.initVerify(key);
      signature.update(
          statement(
              head.getConference(),
              new TreeMap<>(head.getThroughMap()),
              head.getHeadHash().toByteArray(),
              head.getSignedAt().getSeconds()));
      return signature.verify(head.getSignature().toByteArray());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * "allied-hotline-head-v1" 0x00 || conference 0x00 || the sorted "ORIGIN:SEQ" pairs joined by ','
   * 0x00 || head_hash || int64be(signed_at.seconds).
   */
  static byte[] statement(String conference, Map<String, Long> through, byte[] hash, long seconds) {
    String pairs =
        new TreeMap<>(through)
            .entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(","));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(CONTEXT.getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.writeBytes(conference.getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.writeBytes(pairs.getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.writeBytes(hash);
    out.writeBytes(ByteBuffer.allocate(8).putLong(seconds).array());
    return out.toByteArray();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
