package org.alliedexchange.hotline.line;

import java.time.Duration;
import java.util.Objects;

/**
 * The line's timings.
 *
 * @param probeInterval how often each peer is probed
 * @param probeSlowAfter a probe answered later than this makes the link AMBER
 * @param testInterval the length of one line-test slot: one test per conference per slot
 * @param testAckWithin how long each party has to acknowledge a line test
 * @param ackWithinFlash how long a party has to acknowledge a FLASH or FLASH OVERRIDE
 * @param ackWithinImmediate how long a party has to acknowledge an IMMEDIATE
 * @param alarmRepeat how often an unacknowledged alarm repeats
 * @param escalateAfter how long an alarm stays at one escalation level
 * @param tick how often deadlines, test slots and alarms are looked at
 */
public record LineSettings(
    Duration probeInterval,
    Duration probeSlowAfter,
    Duration testInterval,
    Duration testAckWithin,
    Duration ackWithinFlash,
    Duration ackWithinImmediate,
    Duration alarmRepeat,
    Duration escalateAfter,
    Duration tick) {

  /** How many probe intervals without an answer make a link RED. */
  public static final int MISSES_FOR_RED = 3;

  public LineSettings {
    for (Duration d :
        new Duration[] {
          probeInterval,
          probeSlowAfter,
          testInterval,
          testAckWithin,
          ackWithinFlash,
          ackWithinImmediate,
          alarmRepeat,
          escalateAfter,
          tick
        }) {
      if (Objects.requireNonNull(d).isNegative() || d.isZero()) {
        throw new IllegalArgumentException("line timings must be positive");
      }
    }
  }

  /** The defaults of the issue: probes every 10 s, a test an hour, 5 min to acknowledge it. */
  public static LineSettings defaults() {
    return new LineSettings(
        Duration.ofSeconds(10),
        Duration.ofSeconds(1),
        Duration.ofHours(1),
        Duration.ofMinutes(5),
        Duration.ofMinutes(2),
        Duration.ofMinutes(10),
        Duration.ofMinutes(1),
        Duration.ofMinutes(3),
        Duration.ofSeconds(1));
  }

  /**
   * How long one probe may take before it counts as missed: the interval, but never more than 5 s,
   * so a hung peer does not hold the next probe back.
   */
  public Duration probeTimeout() {
    Duration cap = Duration.ofSeconds(5);
    return probeInterval.compareTo(cap) < 0 ? probeInterval : cap;
  }
}
