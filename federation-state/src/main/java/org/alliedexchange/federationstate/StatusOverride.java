package org.alliedexchange.federationstate;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.alliedexchange.policy.AgreementStatus;

/**
 * A status the federation administrators set on an agreement, as the {@link AgreementBoard} stores
 * it in Redis: {@code STATUS|epoch millis|changed by|reason}, the status spelt as {@link
 * AgreementStatus} names it. Only a suspension or a resumption is ever stored (termination is a
 * treaty act, made in the federation configuration), so a stored value that decodes to anything
 * else is refused, and the board trusts no status until it is mended.
 */
record StatusOverride(AgreementStatus status, Instant since, String changedBy, String reason) {

  private static final char SEPARATOR = '|';

  /** Keeps what it can encode: millisecond precision, and no separator inside the text fields. */
  StatusOverride {
    if (status != AgreementStatus.SUSPENDED && status != AgreementStatus.IN_FORCE) {
      throw new IllegalArgumentException(
          "an agreement is suspended or resumed here, not "
              + status
              + "; termination is a treaty act, made in the federation configuration");
    }
    if (since == null) {
      throw new IllegalArgumentException("a status override needs the instant it holds from");
    }
    if (changedBy == null || changedBy.isBlank()) {
      throw new IllegalArgumentException("a status override names who made it");
    }
    since = since.truncatedTo(ChronoUnit.MILLIS);
    changedBy = changedBy.replace(SEPARATOR, '/');
    reason = reason == null ? "" : reason.replace(SEPARATOR, '/');
  }

  String encode() {
    return status.name()
        + SEPARATOR
        + since.toEpochMilli()
        + SEPARATOR
        + changedBy
        + SEPARATOR
        + reason;
  }

  /**
   * Reads a stored value.
   *
   * @throws IllegalArgumentException naming what is wrong with it: not four fields, a status other
   *     than SUSPENDED or IN_FORCE (spelt exactly so), an instant that is not epoch milliseconds,
   *     or no one named
   */
  static StatusOverride decode(String value) {
    if (value == null) {
      throw new IllegalArgumentException("no stored agreement status");
    }
    String[] parts = value.split("\\" + SEPARATOR, -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException(
          "a stored agreement status is STATUS|epoch millis|changed by|reason, not \""
              + value
              + "\"");
    }
    AgreementStatus status;
    try {
      status = AgreementStatus.valueOf(parts[0]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "a stored agreement status names no status: \"" + value + "\"");
    }
    long millis;
    try {
      millis = Long.parseLong(parts[1]);
      if (!Long.toString(millis).equals(parts[1])) {
        throw new NumberFormatException("not as encoded");
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "a stored agreement status has no instant in epoch milliseconds: \"" + value + "\"");
    }
    return new StatusOverride(status, Instant.ofEpochMilli(millis), parts[2], parts[3]);
  }
}
