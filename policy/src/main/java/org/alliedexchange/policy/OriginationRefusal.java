package org.alliedexchange.policy;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Why an author may not originate a label (see {@link ReleasabilityEngine#refuseOrigination}). The
 * author wrote the label, so the refusal may name what in it is above the author.
 *
 * @param kind what kind of refusal, so a service can answer with the right status
 * @param message one line the author can act on
 * @param defects the label's defects, when it is invalid
 */
public record OriginationRefusal(Kind kind, String message, Set<LabelDefect> defects) {

  /** What kind of refusal. */
  public enum Kind {
    /** The label is invalid: the request is malformed. */
    LABEL_INVALID,
    /** The label is another nation's: the third-party rule. */
    NOT_OWN_NATION,
    /** The label's level is above the author's clearance. */
    ABOVE_CLEARANCE,
    /** The author does not hold every community the label names. */
    COMMUNITY_NOT_HELD
  }

  public OriginationRefusal {
    defects = defects.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(defects));
  }

  static OriginationRefusal invalid(Set<LabelDefect> defects) {
    return new OriginationRefusal(
        Kind.LABEL_INVALID,
        "label invalid: "
            + defects.stream()
                .sorted()
                .map(defect -> defect.name() + " (" + defect.description() + ")")
                .collect(Collectors.joining("; ")),
        defects);
  }
}
