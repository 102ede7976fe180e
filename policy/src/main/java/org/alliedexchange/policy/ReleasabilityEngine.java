package org.alliedexchange.policy;

import java.time.Instant;
import java.util.EnumSet;

/**
 * Decides whether one labelled item may be released to one recipient at one instant.
 *
 * <p>Rules, each adding its reason to a DENY (every reason that applies is reported):
 *
 * <ol>
 *   <li>an invalid label denies ({@link Reason#LABEL_INVALID}, with the {@link LabelDefect}s);
 *   <li>a recipient of the originator's nation needs clearance at least the level and every
 *       community; the marking stays;
 *   <li>a foreign recipient's nation must also be in releasable-to, the label not NOFORN, an
 *       agreement between the two nations in force at the instant and covering the level (above
 *       UNCLASSIFIED), and a marking of its own at the level, which becomes the marking it must
 *       apply;
 *   <li>anything unknown denies. Nothing here throws on bad input.
 * </ol>
 *
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
    // reasons and defects are bit sets (1 << ordinal) until a DENY needs them as sets: a PERMIT
    // allocates nothing but its Decision, and the guard makes one decision per message
    int reasons = 0;
    if (label == null) {
      reasons |= bit(Reason.LABEL_INVALID);
    }
    if (recipient == null || at == null) {
      reasons |= bit(Reason.UNKNOWN_RECIPIENT);
    }
    if (label == null || recipient == null || at == null) {
      return deny(reasons, label == null ? bit(LabelDefect.MALFORMED) : 0, null);
    }

    NationalScheme policy = federation.nation(label.policy());
    Level level = resolveLevel(label, policy);
    int defects = defects(label, policy, level);
    if (defects != 0) {
      reasons |= bit(Reason.LABEL_INVALID);
    }

    String nation = recipient.nation();
    NationalScheme recipientScheme = federation.nation(nation);
    if (recipientScheme == null || recipient.clearance() == null) {
      reasons |= bit(Reason.UNKNOWN_RECIPIENT);
    }
    if (level != null
        && (recipient.clearance() == null || !recipient.clearance().dominates(level))) {
      reasons |= bit(Reason.INSUFFICIENT_CLEARANCE);
    }
    if (!holdsAll(recipient.communities(), label.communities())) {
      reasons |= bit(Reason.NEED_TO_KNOW);
    }

    String originator = label.originator();
    if (nation != null && nation.equals(originator)) {
      // within the originator's nation the originator's marking stays
      return reasons == 0
          ? Decision.permit(level, markingOf(label, policy, level), null)
          : deny(reasons, defects, level);
    }

    if (nation == null || !label.releasableTo().contains(nation)) {
      reasons |= bit(Reason.NOT_RELEASABLE_TO_NATION);
    }
    if (label.controls().contains(Label.NOFORN)) {
      reasons |= bit(Reason.NOFORN);
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
        reasons |= bit(Reason.NO_AGREEMENT_IN_FORCE);
      } else if (allowing == null) {
        reasons |= bit(Reason.LEVEL_NOT_COVERED);
      }
    }
    String recipientMarking = recipientScheme == null ? null : recipientScheme.markingAt(level);
    if (level != null && recipientMarking == null) {
      reasons |= bit(Reason.NO_EQUIVALENT_MARKING);
    }
    if (reasons != 0) {
      return deny(reasons, defects, level);
    }
    return Decision.permit(level, recipientMarking, allowing == null ? null : allowing.id());
  }

  /**
   * Whether the label is valid, by the same rules {@link #decide} applies to it: a label this calls
   * invalid is denied to every recipient with {@link Reason#LABEL_INVALID} and the same defects,
   * and the level is the one a decision on it would carry.
   */
  public LabelValidity validate(Label label) {
    if (label == null) {
      return LabelValidity.of(EnumSet.of(LabelDefect.MALFORMED), null);
    }
    NationalScheme policy = federation.nation(label.policy());
    Level level = resolveLevel(label, policy);
    return LabelValidity.of(toSet(defects(label, policy, level), LabelDefect.class), level);
  }

  /** Every defect of the label, as bits of {@link LabelDefect}. */
  private int defects(Label label, NationalScheme policy, Level level) {
    return labelDefects(label, policy, level)
        | provenanceDefects(label)
        | categoryDefects(label, federation);
  }

  /**
   * What is wrong with the label's categories and form, as bits of {@link LabelDefect}: every
   * releasable-to entry a nation of the federation, every community in {@link
   * Label#COMMUNITY_SYNTAX}, nothing the schema does not know.
   */
  private static int categoryDefects(Label label, Federation federation) {
    int defects = 0;
    if (label.uninterpretedFields()) {
      defects |= bit(LabelDefect.UNINTERPRETED_FIELDS);
    }
    for (String nation : label.releasableTo()) {
      if (!isBlank(nation) && federation.nation(nation) == null) {
        defects |= bit(LabelDefect.UNKNOWN_NATION);
        break;
      }
    }
    for (String community : label.communities()) {
      if (!isBlank(community) && !Label.COMMUNITY_SYNTAX.matcher(community).matches()) {
        defects |= bit(LabelDefect.MALFORMED_COMMUNITY);
        break;
      }
    }
    return defects;
  }

  /**
   * Why this author may not originate the label (publish it, or amend a product to it), or empty
   * when it may. An author originates only its own nation's products, and only what it could itself
   * be given: a valid label at or below its clearance whose every community it holds. Decided
   * before anything is stored, so no write is committed and then reported refused.
   */
  public java.util.Optional<OriginationRefusal> refuseOrigination(Label label, Recipient author) {
    LabelValidity validity = validate(label);
    if (!validity.valid()) {
      return java.util.Optional.of(OriginationRefusal.invalid(validity.defects()));
    }
    if (author == null || author.nation() == null || !author.nation().equals(label.originator())) {
      return java.util.Optional.of(
          new OriginationRefusal(
              OriginationRefusal.Kind.NOT_OWN_NATION,
              "third-party rule: a system originates only its own nation's products, not one"
                  + " originated by "
                  + (isBlank(label.originator()) ? "nobody" : label.originator()),
              java.util.Set.of()));
    }
    if (author.clearance() == null || !author.clearance().dominates(validity.level())) {
      return java.util.Optional.of(
          new OriginationRefusal(
              OriginationRefusal.Kind.ABOVE_CLEARANCE,
              "the label's level "
                  + validity.level()
                  + " is above your clearance "
                  + author.clearance()
                  + ": a system may originate only what it could itself read",
              java.util.Set.of()));
    }
    if (!holdsAll(author.communities(), label.communities())) {
      java.util.TreeSet<String> missing = new java.util.TreeSet<>(label.communities());
      missing.removeAll(author.communities());
      return java.util.Optional.of(
          new OriginationRefusal(
              OriginationRefusal.Kind.COMMUNITY_NOT_HELD,
              "you do not hold the label's communities "
                  + missing
                  + ": a system may originate only what it could itself read",
              java.util.Set.of()));
    }
    return java.util.Optional.empty();
  }

  /** The label's marking as written when given, else the policy nation's marking at the level. */
  private static String markingOf(Label label, NationalScheme policy, Level level) {
    return isBlank(label.marking()) ? policy.markingAt(level) : label.marking();
  }

  /**
   * The label's level, or null when it cannot be established. A marking and a level that disagree
   * yield no level: the label is invalid and no level-based rule should guess.
   */
  private static Level resolveLevel(Label label, NationalScheme policy) {
    if (label.levelUnrecognized()) {
      return null;
    }
    if (isBlank(label.marking())) {
      return label.level();
    }
    Level ofMarking = policy == null ? null : policy.levelOf(label.marking());
    if (ofMarking == null) {
      return label.level();
    }
    return label.level() != null && label.level() != ofMarking ? null : ofMarking;
  }

  /** What is wrong with the label's classification, as bits of {@link LabelDefect}. */
  private int labelDefects(Label label, NationalScheme policy, Level level) {
    int defects = 0;
    if (policy == null) {
      defects |= bit(LabelDefect.UNKNOWN_POLICY);
    }
    boolean hasMarking = !isBlank(label.marking());
    if (label.levelUnrecognized()) {
      defects |= bit(LabelDefect.UNKNOWN_LEVEL);
    } else if (!hasMarking && label.level() == null) {
      defects |= bit(LabelDefect.MISSING_CLASSIFICATION);
    } else if (!hasMarking) {
      if (policy != null && policy.markingAt(label.level()) == null) {
        defects |= bit(LabelDefect.MARKING_LEVEL_MISMATCH);
      }
    } else if (policy == null || policy.levelOf(label.marking()) == null) {
      if (federation.nationsWithMarking(label.marking()).isEmpty()) {
        defects |= bit(LabelDefect.UNKNOWN_MARKING);
      } else if (policy != null) {
        defects |= bit(LabelDefect.MARKING_NOT_OF_POLICY);
      }
    } else if (level == null) {
      defects |= bit(LabelDefect.MARKING_LEVEL_MISMATCH);
    }
    return defects;
  }

  /**
   * What is wrong with the label's originator, lists and controls, as bits of {@link LabelDefect}.
   */
  private static int provenanceDefects(Label label) {
    int defects = 0;
    String originator = label.originator();
    if (isBlank(originator) || !originator.equals(label.policy())) {
      defects |= bit(LabelDefect.ORIGINATOR_NOT_POLICY);
    }
    if (originator == null || !label.releasableTo().contains(originator)) {
      defects |= bit(LabelDefect.ORIGINATOR_NOT_RELEASABLE);
    }
    if (hasBlank(label.releasableTo())
        || hasBlank(label.communities())
        || hasBlank(label.controls())) {
      defects |= bit(LabelDefect.MALFORMED);
    }
    boolean noforn = false;
    if (!label.controls().isEmpty()) {
      for (String control : label.controls()) {
        if (Label.NOFORN.equals(control)) {
          noforn = true;
        } else if (control != null && !Label.KNOWN_CONTROLS.contains(control)) {
          defects |= bit(LabelDefect.UNKNOWN_CONTROL);
        }
      }
    }
    if (noforn) {
      for (String nation : label.releasableTo()) {
        if (nation == null || !nation.equals(originator)) {
          defects |= bit(LabelDefect.NOFORN_WITH_FOREIGN_RELEASE);
          break;
        }
      }
    }
    return defects;
  }

  /**
   * True when {@code held} holds every community in {@code required} (a blank requirement is never
   * held).
   */
  private static boolean holdsAll(java.util.Set<String> held, java.util.Set<String> required) {
    if (required.isEmpty()) {
      return true;
    }
    for (String community : required) {
      if (isBlank(community) || !held.contains(community)) {
        return false;
      }
    }
    return true;
  }

  private static int bit(Enum<?> value) {
    return 1 << value.ordinal();
  }

  private static Decision deny(int reasons, int defects, Level level) {
    return Decision.deny(toSet(reasons, Reason.class), toSet(defects, LabelDefect.class), level);
  }

  private static <E extends Enum<E>> EnumSet<E> toSet(int bits, Class<E> type) {
    EnumSet<E> set = EnumSet.noneOf(type);
    for (E value : type.getEnumConstants()) {
      if ((bits & (1 << value.ordinal())) != 0) {
        set.add(value);
      }
    }
    return set;
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
