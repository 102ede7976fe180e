package org.alliedexchange.hotline.domain;

import java.util.List;
import java.util.TreeSet;

/**
 * Where a receiver stands in one origin's numbered stream of one conference: every sequence up to
 * the contiguous watermark is held, and these above it. Tells a new item from a duplicate, and
 * whether a gap (a missing number below the highest held) is open. Not thread-safe: one owner.
 */
public final class SequenceTracker {

  /** The most numbers above the watermark a relay request names (RelayPosition.also_held). */
  public static final int MAX_ALSO_HELD = 4096;

  private long contiguous;
  private final TreeSet<Long> above = new TreeSet<>();

  /** Every sequence up to {@code contiguous} held, and {@code held} besides. */
  public SequenceTracker(long contiguous, Iterable<Long> held) {
    this.contiguous = contiguous;
    for (long sequence : held) {
      add(sequence);
    }
  }

  public SequenceTracker() {
    this(0, List.of());
  }

  /** Whether this sequence is held already (a duplicate, or a number below 1). */
  public boolean holds(long sequence) {
    return sequence <= contiguous || above.contains(sequence);
  }

  /**
   * Notes a sequence as held; returns false when it was held already (a duplicate, which must
   * change nothing).
   */
  public boolean add(long sequence) {
    if (holds(sequence)) {
      return false;
    }
    if (sequence == contiguous + 1) {
      contiguous = sequence;
      while (!above.isEmpty() && above.first() == contiguous + 1) {
        contiguous = above.pollFirst();
      }
    } else {
      above.add(sequence);
    }
    return true;
  }

  /** Every sequence up to and including this one is held. */
  public long contiguousThrough() {
    return contiguous;
  }

  /** The highest sequence held. */
  public long highest() {
    return above.isEmpty() ? contiguous : above.last();
  }

  /** A number below the highest held is missing. */
  public boolean hasGap() {
    return !above.isEmpty();
  }

  /** How many numbers below the highest held are missing. */
  public long missing() {
    return highest() - contiguous - above.size();
  }

  /** The sequences held above the watermark, lowest first, at most {@link #MAX_ALSO_HELD}. */
  public List<Long> alsoHeld() {
    return above.stream().limit(MAX_ALSO_HELD).toList();
  }
}
