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
 * transfer record instead of one each: how many, the first {@link #SAMPLE_IDS} product ids, and a
 * SHA-256 over every id (each as its UTF-8 length, 4 bytes big-endian, then its bytes). Memory
 * stays bounded however many rows it counts.
 */
public final class WithheldSummary {

  /** Product ids a summary quotes; the digest covers all of them. */
  public static final int SAMPLE_IDS = 100;

  /** Rows after which a summary is written without waiting for the end of the call. */
  public static final int MAX_ROWS = 10_000;

  /** How long a long-lived stream's withheld rows wait, at most, for their summary. */
  public static final Duration MAX_WAIT = Duration.ofSeconds(2);

  private final Instant since;
  private final List<String> sample = new ArrayList<>();
  private final MessageDigest digest;
  private int rows;

  public WithheldSummary(Instant since) {
    this.since = since;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Counts one more withheld row; {@code productId} is "" when the row had none to read. */
  public void add(String productId) {
    rows++;
    if (sample.size() < SAMPLE_IDS) {
      sample.add(productId);
    }
    byte[] id = productId.getBytes(StandardCharsets.UTF_8);
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

  /** True once the summary is full or has waited long enough to be written mid-stream. */
  public boolean due(Instant now) {
    return rows >= MAX_ROWS || !since.plus(MAX_WAIT).isAfter(now);
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
        .addAllWithheldProductIds(sample)
        .setWithheldDigest(HexFormat.of().formatHex(digest.digest()))
        .build();
  }
}
