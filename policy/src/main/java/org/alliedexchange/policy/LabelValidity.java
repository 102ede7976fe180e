package org.alliedexchange.policy;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Whether a label is valid on its own, whoever reads it: the label part of every {@link Decision}.
 *
 * @param reasons {@link Reason#LABEL_INVALID} when the label is invalid, else empty: the reasons a
 *     decision on it would carry for the label
 * @param defects how the label is invalid; empty when it is valid
 * @param level the label's level, when the label establishes one
 */
public record LabelValidity(Set<Reason> reasons, Set<LabelDefect> defects, Level level) {

  static LabelValidity of(EnumSet<LabelDefect> defects, Level level) {
    Set<Reason> reasons = defects.isEmpty() ? Set.of() : Set.of(Reason.LABEL_INVALID);
    return new LabelValidity(reasons, Collections.unmodifiableSet(defects), level);
  }

  public boolean valid() {
    return defects.isEmpty();
  }
}
