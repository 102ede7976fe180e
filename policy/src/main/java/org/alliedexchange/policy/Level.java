package org.alliedexchange.policy;

import java.util.Locale;

/** The common classification scale, lowest to highest. */
public enum Level {
  UNCLASSIFIED,
  RESTRICTED,
  CONFIDENTIAL,
  SECRET,
  TOP_SECRET;

  private static final Level[] VALUES = values();

  /** True when this level is at least {@code other}. */
  public boolean dominates(Level other) {
    return compareTo(other) >= 0;
  }

  /**
   * The level with this common name ("SECRET", "top_secret", "TOP SECRET"), or null when there is
   * none: callers decide what an unknown level means, and the engine denies it.
   */
  public static Level parse(String name) {
    if (name == null) {
      return null;
    }
    String normal = name.trim().toUpperCase(Locale.ROOT).replace(' ', '_');
    for (Level level : VALUES) {
      if (level.name().equals(normal)) {
        return level;
      }
    }
    return null;
  }
}
