package org.alliedexchange.audit.chain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hash that links a record to the one before it in its relationship's chain: {@code
 * SHA-256("allied-audit-v1" 0x00 || relationship 0x00 || uint64be(sequence) || previous ||
 * SHA-256(event))}, where {@code event} is the AuditEvent exactly as stored and the first record's
 * {@code previous} is 32 zero bytes. Changing, removing or reordering any record changes every hash
 * after it.
 */
public final class ChainHash {

  public static final byte[] GENESIS = new byte[32];
  private static final byte[] DOMAIN = "allied-audit-v1\0".getBytes(StandardCharsets.US_ASCII);
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
            }
          });

  private ChainHash() {}

  public static byte[] link(String relationship, long sequence, byte[] previous, byte[] event) {
    return linkDigest(relationship, sequence, previous, digest(event));
  }

  /**
   * SHA-256 of an event's stored bytes: all a link needs of the event, so a chain can be checked
   * without reading it.
   */
  public static byte[] digest(byte[] event) {
    return SHA256.get().digest(event);
  }

  /** The link over an event's digest (see {@link #digest}). */
  public static byte[] linkDigest(
      String relationship, long sequence, byte[] previous, byte[] eventDigest) {
    MessageDigest sha = SHA256.get();
    sha.update(DOMAIN);
    sha.update(relationship.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(ByteBuffer.allocate(8).putLong(sequence).array());
    sha.update(previous);
    sha.update(eventDigest);
    return sha.digest();
  }
}
