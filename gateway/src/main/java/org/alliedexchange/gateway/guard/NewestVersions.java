package org.alliedexchange.gateway.guard;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The newest signed version this gateway has seen of each amended product, so a backend cannot
 * serve an amended product as it was before (the older binding still verifies). Only versions above
 * 1 are kept: nothing is older than a product's first version, so an unamended product costs one
 * map lookup and no memory. Bounded, least recently used first out.
 */
public final class NewestVersions {

  /** A product's version, as signed by its originator. */
  public record Seen(String originator, String productId, long version) {}

  private final Map<String, Long> newest;
  private final Consumer<Seen> learned;

  /**
   * @param capacity how many amended products to remember
   * @param learned told of each newer version first seen here (to share it with other gateways);
   *     must not block
   */
  public NewestVersions(int capacity, Consumer<Seen> learned) {
    this.learned = learned;
    this.newest =
        Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
              @Override
              protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > capacity;
              }
            });
  }

  /**
   * Notes a verified binding's version; returns 0 when it is the newest seen of its product, else
   * the newest version seen, which makes this one stale.
   */
  public long admit(String originator, String productId, long version) {
    String key = key(originator, productId);
    Long known = newest.get(key);
    if (known != null && version < known) {
      return known;
    }
    if (version > 1 && (known == null || version > known)) {
      raise(key, version);
      learned.accept(new Seen(originator, productId, version));
    }
    return 0;
  }

  /** A version another gateway saw (from the shared record): remembered, not shared again. */
  public void learn(Seen seen) {
    if (seen.version() > 1) {
      raise(key(seen.originator(), seen.productId()), seen.version());
    }
  }

  private void raise(String key, long version) {
    newest.merge(key, version, Math::max);
  }

  private static String key(String originator, String productId) {
    return originator + '/' + productId;
  }
}
