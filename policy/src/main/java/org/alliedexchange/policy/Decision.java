package org.alliedexchange.policy;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The engine's answer for one label, one recipient, one instant.
 *
 * @param permitted true for PERMIT
 * @param reasons every reason for a DENY; empty on PERMIT
 * @param labelDefects how the label is invalid, when {@code reasons} holds LABEL_INVALID
 * @param level the label's level, when the label establishes one
 * @param marking on PERMIT, the marking the recipient must apply (its own nation's equivalent)
 * @param agreementId on PERMIT to a foreign nation above UNCLASSIFIED, the agreement that allows it
 */
public record Decision(
    boolean permitted,
    Set<Reason> reasons,
    Set<LabelDefect> labelDefects,
    Level level,
    String marking,
    String agreementId) {

  static Decision permit(Level level, String marking, String agreementId) {
    return new Decision(true, Set.of(), Set.of(), level, marking, agreementId);
  }

  /** Takes ownership of the sets, which keep their enum order for stable output. */
  static Decision deny(EnumSet<Reason> reasons, EnumSet<LabelDefect> labelDefects, Level level) {
    return new Decision(
        false,
        Collections.unmodifiableSet(reasons),
        Collections.unmodifiableSet(labelDefects),
        level,
        null,
        null);
  }

  /** "PERMIT" or "DENY". */
  public String outcome() {
    return permitted ? "PERMIT" : "DENY";
  }
}
