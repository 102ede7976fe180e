package org.alliedexchange.hotline.store;

import java.time.Instant;

/**
 * One relayed item as a node holds it: label (without any release), content and binding exactly as
 * the origin signed them.
 *
 * @param kind MESSAGE, RECEIPT, CHAIN_HEAD or MEMBERSHIP
 * @param precedence the allied.hotline.v1.Precedence number
 * @param messageId the message, or the message a receipt is about; null otherwise
 * @param delayMs how late it arrived, when later than the delay threshold; null otherwise
 * @param refusedReason why this node could not take it; null when it did
 */
public record StoredItem(
    String origin,
    String conference,
    long sequence,
    String itemId,
    String kind,
    int precedence,
    String messageId,
    byte[] label,
    byte[] content,
    byte[] binding,
    String releaseMarking,
    String releaseTransferId,
    Instant createdAt,
    Long delayMs,
    String refusedReason) {

  public static final String MESSAGE = "MESSAGE";
  public static final String RECEIPT = "RECEIPT";
  public static final String CHAIN_HEAD = "CHAIN_HEAD";
  public static final String MEMBERSHIP = "MEMBERSHIP";

  /** The same item with its binding (an own item is signed with its step's other items). */
  public StoredItem withBinding(byte[] signed) {
    return new StoredItem(
        origin,
        conference,
        sequence,
        itemId,
        kind,
        precedence,
        messageId,
        label,
        content,
        signed,
        releaseMarking,
        releaseTransferId,
        createdAt,
        delayMs,
        refusedReason);
  }
}
