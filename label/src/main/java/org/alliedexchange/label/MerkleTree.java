package org.alliedexchange.label;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Merkle tree hashing and inclusion proofs as RFC 9162 (Certificate Transparency v2) defines them:
 * the root of a batch of signed products, each product's audit path, and the check of a path
 * against a root.
 */
final class MerkleTree {

  private MerkleTree() {}

  static byte[] root(List<byte[]> leaves) {
    return hash(leaves, 0, leaves.size());
  }

  /** The audit path of leaf {@code index}: sibling hashes from the leaf up (RFC 9162 PATH). */
  static List<byte[]> path(List<byte[]> leaves, int index) {
    List<byte[]> path = new ArrayList<>();
    path(leaves, 0, leaves.size(), index, path);
    return path;
  }

  /**
   * The root an inclusion proof leads to, or null when the proof cannot be walked (RFC 9162,
   * 2.1.3.2).
   */
  static byte[] rootFromPath(byte[] leaf, long index, long size, List<byte[]> path) {
    if (index >= size || size == 0) {
      return null;
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leaf;
    for (byte[] p : path) {
      if (sn == 0) {
        return null;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = node(p, r);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        r = node(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 ? r : null;
  }

  private static byte[] hash(List<byte[]> leaves, int from, int to) {
    int n = to - from;
    if (n == 1) {
      return leaves.get(from);
    }
    int k = largestPowerOfTwoBelow(n);
    return node(hash(leaves, from, from + k), hash(leaves, from + k, to));
  }

  private static void path(List<byte[]> leaves, int from, int to, int index, List<byte[]> out) {
    int n = to - from;
    if (n <= 1) {
      return;
    }
    int k = largestPowerOfTwoBelow(n);
    if (index < k) {
      path(leaves, from, from + k, index, out);
      out.add(hash(leaves, from + k, to));
    } else {
      path(leaves, from + k, to, index - k, out);
      out.add(hash(leaves, from, from + k));
    }
  }

  private static int largestPowerOfTwoBelow(int n) {
    return Integer.highestOneBit(n - 1);
  }

  private static byte[] node(byte[] left, byte[] right) {
    MessageDigest digest = sha256();
    digest.update((byte) 0x01);
    digest.update(left);
    digest.update(right);
    return digest.digest();
  }

  // one digest per thread, reset on every use: a provider lookup per hash costs more than hashing a
  // label
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException(e);
            }
          });

  /**
   * This thread's SHA-256, reset; every caller finishes with it (digest()) before hashing anything
   * else.
   */
  static MessageDigest sha256() {
    MessageDigest digest = SHA256.get();
    digest.reset();
    return digest;
  }
}
