package org.alliedexchange.hotline.line;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.alliedexchange.api.hotline.v1.ChainHead;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.SignatureCheck;

/**
 * Signed chain heads: a node's summary of a conference's history as it holds it. The hash covers,
 * per origin in alphabetical order and per origin in sequence order from 1, every item up to the
 * origin's {@code through}: the origin's UTF-8 bytes, 0x00, the sequence (int64 big-endian) and the
 * item content's SHA-256. A node's own head covers each origin's contiguous run from 1, so a gap it
 * has not repaired yet is never part of a claim. The signature is over the statement the proto
 * names.
 */
public final class ChainHeads {

  /** The statement's first bytes, so a head's signature is never mistaken for another's. */
  static final String DOMAIN = "allied-hotline-head-v1";

  private static final int SHA256_BYTES = 32;

  private final NationalKey key;
  private final Map<String, PublicKey> peerKeys;
  private final Clock clock;

  /**
   * @param key this nation's key, which signs its heads
   * @param peerKeys each peer nation's public key, which verifies the heads it sends
   */
  public ChainHeads(NationalKey key, Map<String, PublicKey> peerKeys, Clock clock) {
    this.key = key;
    this.peerKeys = Map.copyOf(peerKeys);
    this.clock = clock;
  }

  /** This node's signed head over the items it holds of a conference. */
  public ChainHead sign(String conference, List<RelayItemDigest> items) {
    return sign(conference, items, key, clock.instant());
  }

  /**
   * The head of the items of {@code conference} (each origin's run from 1 without a gap), signed
   * with {@code key} at {@code at} (whole seconds, as the statement carries them).
   */
  public static ChainHead sign(
      String conference, List<RelayItemDigest> items, NationalKey key, Instant at) {
    Map<String, Long> through = contiguousThrough(items);
    byte[] hash = hash(items, through).orElseThrow();
    ChainHead unsigned =
        ChainHead.newBuilder()
            .setConference(conference)
            .putAllThrough(through)
            .setHeadHash(ByteString.copyFrom(hash))
            .setSignedAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()))
            .setKeyId(key.keyId())
            .build();
    try {
      Signature signer = Signature.getInstance(NationalKey.ALGORITHM);
      signer.initSign(key.keyPair().getPrivate());
      signer.update(statement(unsigned));
      return unsigned.toBuilder().setSignature(ByteString.copyFrom(signer.sign())).build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a chain head: " + e.getMessage(), e);
    }
  }

  /**
   * Checks a peer's head was signed by that peer's nation key. Returns what is wrong, or empty when
   * the signature holds.
   */
  public Optional<String> verify(String peer, ChainHead head) {
    PublicKey peerKey = peerKeys.get(peer);
    if (peerKey == null) {
      return Optional.of("no public key is configured for " + peer + " to verify its chain head");
    }
    if (!NationalKey.keyId(peerKey).equals(head.getKeyId())) {
      return Optional.of(
          "signed with key " + printable(head.getKeyId()) + ", not " + peer + "'s configured key");
    }
    if (head.getHeadHash().size() != SHA256_BYTES) {
      return Optional.of("the head hash is not a SHA-256");
    }
    try {
      return SignatureCheck.verifies(peerKey, statement(head), head.getSignature().toByteArray())
          ? Optional.empty()
          : Optional.of(
              "the signature does not hold: the head was changed or not signed by " + peer);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return Optional.of("the signature does not hold: " + e.getMessage());
    }
  }

  /**
   * The hash over the items up to {@code through}, or empty when the items lack one of those
   * positions (this node has not received them all yet) or {@code through} names an origin with no
   * items at all.
   */
  public static Optional<byte[]> hash(List<RelayItemDigest> items, Map<String, Long> through) {
    Map<String, List<RelayItemDigest>> byOrigin =
        items.stream()
            .collect(
                Collectors.groupingBy(RelayItemDigest::origin, TreeMap::new, Collectors.toList()));
    MessageDigest digest = sha256();
    for (Map.Entry<String, Long> entry : new TreeMap<>(through).entrySet()) {
      long last = entry.getValue();
      if (last == 0) {
        continue;
      }
      List<RelayItemDigest> run =
          byOrigin.getOrDefault(entry.getKey(), List.of()).stream()
              .filter(item -> item.sequence() >= 1 && item.sequence() <= last)
              .sorted((a, b) -> Long.compare(a.sequence(), b.sequence()))
              .toList();
      if (run.size() != last || run.get(run.size() - 1).sequence() != last) {
        return Optional.empty();
      }
      byte[] origin = entry.getKey().getBytes(StandardCharsets.UTF_8);
      long expected = 1;
      for (RelayItemDigest item : run) {
        if (item.sequence() != expected++ || item.contentSha256().length != SHA256_BYTES) {
          return Optional.empty();
        }
        digest.update(origin);
        digest.update((byte) 0);
        digest.update(ByteBuffer.allocate(8).putLong(item.sequence()).array());
        digest.update(item.contentSha256());
      }
    }
    return Optional.of(digest.digest());
  }

  /** Per origin, the last sequence of its run from 1 without a gap. */
  public static Map<String, Long> contiguousThrough(List<RelayItemDigest> items) {
    Map<String, List<Long>> sequences = new HashMap<>();
    for (RelayItemDigest item : items) {
      sequences
          .computeIfAbsent(item.origin(), o -> new java.util.ArrayList<>())
          .add(item.sequence());
    }
    Map<String, Long> through = new TreeMap<>();
    sequences.forEach(
        (origin, seqs) -> {
          long last = 0;
          for (long seq : seqs.stream().sorted().distinct().toList()) {
            if (seq != last + 1) {
              break;
            }
            last = seq;
          }
          if (last > 0) {
            through.put(origin, last);
          }
        });
    return through;
  }

  /**
   * "allied-hotline-head-v1" 0x00 || conference 0x00 || the sorted "ORIGIN:SEQ" pairs joined by ','
   * 0x00 || head_hash || int64be(signed_at.seconds).
   */
  static byte[] statement(ChainHead head) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(DOMAIN.getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.writeBytes(head.getConference().getBytes(StandardCharsets.UTF_8));
    out.write(0);
    String pairs =
        new TreeMap<>(head.getThroughMap())
            .entrySet().stream()
                .map(e -> e.getKey() + ":" + Long.toUnsignedString(e.getValue()))
                .collect(Collectors.joining(","));
    out.writeBytes(pairs.getBytes(StandardCharsets.UTF_8));
    out.write(0);
    out.writeBytes(head.getHeadHash().toByteArray());
    out.writeBytes(ByteBuffer.allocate(8).putLong(head.getSignedAt().getSeconds()).array());
    return out.toByteArray();
  }

  static String printable(String text) {
    String clipped = text.length() > 32 ? text.substring(0, 32) + "…" : text;
    return clipped.replaceAll("[^\\x20-\\x7e…]", "?");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
