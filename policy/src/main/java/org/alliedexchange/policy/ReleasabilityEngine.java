package org.alliedexchange.policy;

import java.time.Instant;
import java.util.EnumSet;

/**
 * Decides whether one labelled item may be released to one recipient at one instant.
 *
 * <p>Rules, each adding its reason to a DENY (every reason that applies is reported):
 * <ol>
 *   <li>an invalid label denies ({@link Reason#LABEL_INVALID}, with the {@link LabelDefect}s);
 *   <li>a recipient of the originator's nation needs clearance at least the level and every community;
 *       the marking stays;
 *   <li>a foreign recipient's nation must also be in releasable-to, the label not NOFORN, an agreement
 *       between the two nations in force at the instant and covering the level (above UNCLASSIFIED), and
 *       a marking of its own at the level, which becomes the marking it must apply;
 *   <li>anything unknown denies. Nothing here throws on bad input.
 * </ol>
 * Thread-safe and allocation-light: one decision is a few map look-ups.
 */
public final class ReleasabilityEngine {

  private final Federation federation;

  public ReleasabilityEngine(Federation federation) {
    if (federation == null) {
      throw new IllegalArgumentException("federation is required");
    }
    this.federation = federation;
  }

  public Federation federation() {
    return federation;
  }

  public Decision decide(Label label, Recipient recipient, Instant at) {
    EnumSet<Reason> reasons = EnumSet.noneOf(Reason.class);
    EnumSet<LabelDefect> defects = EnumSet.noneOf(LabelDefect.class);
    if (label == null) {
      defects.add(LabelDefect.MALFORMED);
      reasons.add(Reason.LABEL_INVALID);
    }
    if (recipient == null || at == null) {
      reasons.add(Reason.UNKNOWN_RECIPIENT);
    }
    if (label == null || recipient == null || at == null) {
      return Decision.deny(reasons, defects, null);
    }

    NationalScheme policy = federation.nation(label.policy());
    Level level = resolveLevel(label, policy, defects);
    checkProvenance(label, defects);
    if (!defects.isEmpty()) {
      reasons.add(Reason.LABEL_INVALID);
    }

    String nation = recipient.nation();
    NationalScheme recipientScheme = federation.nation(nation);
    if (recipientScheme == null || recipient.clearance() == null) {
      reasons.add(Reason.UNKNOWN_RECIPIENT);
    }
    if (level != null && (recipient.clearance() == null || !recipient.clearance().dominates(level))) {
      reasons.add(Reason.INSUFFICIENT_CLEARANCE);
    }
    if (hasBlank(label.communities()) || !recipient.communities().containsAll(label.communities())) {
      reasons.add(Reason.NEED_TO_KNOW);
    }

    String originator = label.originator();
    if (nation != null && nation.equals(originator)) {
      // within the originator's nation the originator's marking stays
      return reasons.isEmpty()
          ? Decision.permit(level, markingOf(label, policy, level), null)
          : Decision.deny(reasons, defects, level);
    }

    if (nation == null || !label.releasableTo().contains(nation)) {
      reasons.add(Reason.NOT_RELEASABLE_TO_NATION);
    }
    if (label.controls().contains(Label.NOFORN)) {
      reasons.add(Reason.NOFORN);
    }
    Agreement allowing = null;
    if (level != null && level != Level.UNCLASSIFIED) {
      boolean anyInForce = false;
      for (Agreement agreement : federation.agreementsBetween(originator, nation)) {
        if (agreement.inForceAt(at)) {
          anyInForce = true;
          if (agreement.covers(level)) {
            allowing = agreement;
            break;
          }
        }
      }
      if (!anyInForce) {
        reasons.add(Reason.NO_AGREEMENT_IN_FORCE);
      } else if (allowing == null) {
        reasons.add(Reason.LEVEL_NOT_COVERED);
      }
    }
    String recipientMarking = recipientScheme == null ? null : recipientScheme.markingAt(level);
    if (level != null && recipientMarking == null) {
      reasons.add(Reason.NO_EQUIVALENT_MARKING);
    }
    if (!reasons.isEmpty()) {
      return Decision.deny(reasons, defects, level);
    }
    return Decision.permit(level, recipientMarking, allowing == null ? null : allowing.id());
  }

  /** The label's marking as written when given, else the policy nation's marking at the level. */
  private static String markingOf(Label label, NationalScheme policy, Level level) {
    return isBlank(label.marking()) ? policy.markingAt(level) : label.marking();
  }

  /**
   * The label's level, or null when it cannot be established; records the defects it finds. A marking
   * and a level that disagree yield no level: the label is invalid and no level-based rule should guess.
   */
  private Level resolveLevel(Label label, NationalScheme policy, EnumSet<LabelDefect> defects) {
    if (policy == null) {
      defects.add(LabelDefect.UNKNOWN_POLICY);
    }
    if (label.levelUnrecognized()) {
      defects.add(LabelDefect.UNKNOWN_LEVEL);
      return null;
    }
    boolean hasMarking = !isBlank(label.marking());
    if (!hasMarking && label.level() == null) {
      defects.add(LabelDefect.MISSING_CLASSIFICATION);
      return null;
    }
    if (!hasMarking) {
      if (policy != null && policy.markingAt(label.level()) == null) {
        defects.add(LabelDefect.MARKING_LEVEL_MISMATCH);
      }
      return label.level();
    }
    Level ofMarking = policy == null ? null : policy.levelOf(label.marking());
    if (ofMarking == null) {
      if (federation.nationsWithMarking(label.marking()).isEmpty()) {
        defects.add(LabelDefect.UNKNOWN_MARKING);
      } else if (policy != null) {
        defects.add(LabelDefect.MARKING_NOT_OF_POLICY);
      }
      return label.level();
    }
    if (label.level() != null && label.level() != ofMarking) {
      defects.add(LabelDefect.MARKING_LEVEL_MISMATCH);
      return null;
    }
    return ofMarking;
  }

  private static void checkProvenance(Label label, EnumSet<LabelDefect> defects) {
    String originator = label.originator();
    if (isBlank(originator) || !originator.equals(label.policy())) {
      defects.add(LabelDefect.ORIGINATOR_NOT_POLICY);
    }
    if (originator == null || !label.releasableTo().contains(originator)) {
      defects.add(LabelDefect.ORIGINATOR_NOT_RELEASABLE);
    }
    if (hasBlank(label.releasableTo()) || hasBlank(label.communities()) || hasBlank(label.controls())) {
      defects.add(LabelDefect.MALFORMED);
    }
    boolean noforn = false;
    for (String control : label.controls()) {
      if (Label.NOFORN.equals(control)) {
        noforn = true;
      } else if (control != null && !Label.KNOWN_CONTROLS.contains(control)) {
        defects.add(LabelDefect.UNKNOWN_CONTROL);
      }
    }
    if (noforn) {
      for (String nation : label.releasableTo()) {
        if (nation == null || !nation.equals(originator)) {
          defects.add(LabelDefect.NOFORN_WITH_FOREIGN_RELEASE);
          break;
        }
      }
    }
  }

  private static boolean hasBlank(java.util.Set<String> values) {
    if (values.isEmpty()) {
      return false;
    }
    for (String value : values) {
      if (isBlank(value)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
