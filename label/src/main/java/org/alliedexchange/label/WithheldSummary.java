package org.alliedexchange.label;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * The rows of one streaming call withheld for the same reasons at the same level, recorded as one
 * transfer record instead of one each: how many, the product ids of its rows (so an auditor's
 * search by product id finds the refusal: all of them, or, once the exchange service's listing
 * budget for the caller runs out, the first rows' only, the rest counted), and a SHA-256 over them
 * all (each as its UTF-8 length, 4 bytes big-endian, then its bytes). A summary holds at most
 * {@link #MAX_ROWS} rows and {@link #MAX_ID_BYTES} bytes of ids, which keeps its record well under
 * what the audit log stores of one event; once {@link #full()}, its owner writes it and starts
 * another, so memory stays bounded however many rows a call withholds.
 */
public final class WithheldSummary {

  /** Rows one summary holds; more make another summary. */
  public static final int MAX_ROWS = 1_000;

  /** Bytes of product ids (UTF-8) one summary holds; more make another summary. */
  public static final int MAX_ID_BYTES = 128 * 1024;

  /** How long a long-lived stream's withheld rows wait, at most, for their summary. */
  public static final Duration MAX_WAIT = Duration.ofSeconds(2);

  private final Instant since;
  private final List<String> ids = new ArrayList<>();
  private final MessageDigest digest;
  private int idBytes;
  private int rows;
  // once one row goes unlisted, the rest of the summary does too: the ids it lists are always its
  // first rows', so whoever holds all of them can check the digest
  private boolean listing = true;

  public WithheldSummary(Instant since) {
    this.since = since;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * Counts one more withheld row and lists its id; {@code productId} is "" when the row had none to
   * read. The owner checks {@link #full()} after each: a full summary takes no more rows.
   *
   * @throws IllegalStateException when the summary is already full
   */
  public void add(String productId) {
    add(productId, true);
  }

  /**
   * Counts one more withheld row, in the digest; its id is listed only when {@code listed} (a
   * caller past its listing budget has its further rows counted, not listed).
   *
   * @throws IllegalStateException when the summary is already full
   */
  public void add(String productId, boolean listed) {
    if (full()) {
      throw new IllegalStateException("a full summary of withheld rows takes no more rows");
    }
    rows++;
    byte[] id = productId.getBytes(StandardCharsets.UTF_8);
    listing = listing && listed;
    if (listing) {
      ids.add(productId);
      idBytes += id.length;
    }
    digest.update(
        new byte[] {
          (byte) (id.length >>> 24),
          (byte) (id.length >>> 16),
          (byte) (id.length >>> 8),
          (byte) id.length
        });
    digest.update(id);
  }

  public int rows() {
    return rows;
  }

  /** Whether its next row's id would be listed: no row of it has gone unlisted yet. */
  public boolean listing() {
    return listing;
  }

  /** True once the summary holds as many rows or bytes of ids as one record may. */
  public boolean full() {
    return rows >= MAX_ROWS || idBytes >= MAX_ID_BYTES;
  }

  /** True once the summary is full or has waited long enough to be written mid-stream. */
  public boolean due(Instant now) {
    return full() || !since.plus(MAX_WAIT).isAfter(now);
  }

  /**
   * The record of the first row, made the summary of all: its own transfer id, the label reduced to
   * what the rows share (policy, level, marking, originator), no single product.
   */
  public TransferRecord summarize(TransferRecord first, String transferId) {
    SecurityLabel label = first.getLabel();
    return first.toBuilder()
        .setTransferId(transferId)
        .clearProductId()
        .clearTopic()
        .setLabel(
            SecurityLabel.newBuilder()
                .setPolicy(label.getPolicy())
                .setLevel(label.getLevel())
                .setMarking(label.getMarking())
                .setOriginator(label.getOriginator()))
        .setWithheldCount(rows)
        .addAllWithheldProductIds(ids)
        .setWithheldDigest(HexFormat.of().formatHex(digest.digest()))
        .build();
  }
}
