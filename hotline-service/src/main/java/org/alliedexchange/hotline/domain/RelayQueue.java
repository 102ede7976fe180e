package org.alliedexchange.hotline.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The items waiting to be relayed to one peer, highest precedence first and, within a precedence,
 * in sequence order: a FLASH queued behind ten thousand ROUTINE items goes out next. Each item is
 * queued once however often it is offered. Thread-safe.
 */
public final class RelayQueue {

  /**
   * One queued item: its conference, its number in this node's stream and its precedence (the
   * allied.hotline.v1.Precedence number).
   */
  public record Key(String conference, long sequence, int precedence) {}

  private static final Comparator<Key> ORDER =
      Comparator.comparingInt(Key::precedence)
          .reversed()
          .thenComparingLong(Key::sequence)
          .thenComparing(Key::conference);

  private final PriorityQueue<Key> queue = new PriorityQueue<>(ORDER);
  private final Set<Key> queued = new HashSet<>();
  private final Set<Key> taken = new HashSet<>();

  /** Queues an item unless it is queued or was taken already; returns whether it was queued. */
  public synchronized boolean offer(Key key) {
    if (taken.contains(key) || !queued.add(key)) {
      return false;
    }
    queue.add(key);
    return true;
  }

  /** Takes up to {@code max} items, in relay order. */
  public synchronized List<Key> poll(int max) {
    List<Key> keys = new ArrayList<>(Math.min(max, queue.size()));
    while (keys.size() < max && !queue.isEmpty()) {
      Key key = queue.poll();
      queued.remove(key);
      taken.add(key);
      keys.add(key);
    }
    return keys;
  }

  public synchronized int size() {
    return queue.size();
  }

  public synchronized boolean isEmpty() {
    return queue.isEmpty();
  }
}
