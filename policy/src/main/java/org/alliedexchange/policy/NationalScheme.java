package org.alliedexchange.policy;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One nation's classification scheme: its markings at each common level. The first marking at a
 * level is the one written when an item is re-marked for this nation; the others (e.g. Japan's 特定秘密
 * beside 極秘) are accepted on labels.
 */
public final class NationalScheme {

  private final String code;
  private final String name;
  private final Map<Level, List<String>> markingsByLevel;
  private final Map<String, Level> levelByMarking;
  private final String[] primaryByLevel = new String[Level.values().length];

  NationalScheme(
      String code,
      String name,
      Map<Level, List<String>> markingsByLevel,
      Map<String, Level> levelByMarking) {
    this.code = code;
    this.name = name;
    this.markingsByLevel = Collections.unmodifiableMap(new EnumMap<>(markingsByLevel));
    this.levelByMarking = Map.copyOf(levelByMarking);
    markingsByLevel.forEach((level, markings) -> primaryByLevel[level.ordinal()] = markings.get(0));
  }

  /** ISO 3166-1 alpha-3 code. */
  public String code() {
    return code;
  }

  /** The nation's name, for people. */
  public String name() {
    return name;
  }

  /** Every marking of the scheme by level, primary first. */
  public Map<Level, List<String>> markingsByLevel() {
    return markingsByLevel;
  }

  /**
   * The level of a marking of this scheme, or null when the marking is not one of this nation's.
   */
  public Level levelOf(String marking) {
    return marking == null ? null : levelByMarking.get(marking);
  }

  /** The marking this nation writes at a level, or null when it has none there. */
  public String markingAt(Level level) {
    return level == null ? null : primaryByLevel[level.ordinal()];
  }

  @Override
  public String toString() {
    return code;
  }
}
