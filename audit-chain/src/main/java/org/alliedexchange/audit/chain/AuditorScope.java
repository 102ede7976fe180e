package org.alliedexchange.audit.chain;

import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.policy.Level;

/**
 * What an auditor of one nation may read of the log. A relationship is named by one nation ("KOR",
 * its own chain) or two in alphabetical order ("JPN-KOR"), ISO 3166-1 alpha-3 in ASCII capitals; an
 * auditor reads only the relationships its nation is party to, and the {@link
 * Relationships#FEDERATION} chain of realm-wide identity changes, which every nation is party to.
 * Of those, a record whose label its clearance does not dominate is served as its chain link only,
 * so the chain stays checkable through it.
 */
public final class AuditorScope {

  private static final Pattern NATION = Pattern.compile("[A-Z]{3}");
  private static final Pattern RELATIONSHIP = Pattern.compile("[A-Z]{3}(-[A-Z]{3})?");

  /**
   * A request this scope refuses; {@link #why()} tells a malformed request from one outside the
   * scope.
   */
  public static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a request is refused. */
    public enum Why {
      /** The request is not well formed (a relationship written wrongly, or none). */
      MALFORMED,
      /** Well formed, but not this auditor's to read. */
      OUT_OF_SCOPE
    }

    private final Why why;

    Refused(Why why, String message) {
      super(message);
      this.why = why;
    }

    public Why why() {
      return why;
    }
  }

  private final String nation;
  private final Level clearance;

  private AuditorScope(String nation, Level clearance) {
    this.nation = nation;
    this.clearance = clearance;
  }

  /**
   * The scope of an auditor.
   *
   * @param who what a refusal calls the auditor (its system or username)
   * @param nation the auditor's nation, from its token
   * @param clearance its clearance; null when it names no known level (then no record is read
   *     whole)
   * @throws Refused (OUT_OF_SCOPE) when {@code nation} is not a nation code: there is no
   *     relationship of its own
   */
  public static AuditorScope of(String who, String nation, Level clearance) {
    if (!isNation(nation)) {
      throw new Refused(
          Refused.Why.OUT_OF_SCOPE, who + " has no nation, so no relationship of its own to audit");
    }
    return new AuditorScope(nation, clearance);
  }

  public String nation() {
    return nation;
  }

  public Level clearance() {
    return clearance;
  }

  /** Whether {@code code} is a nation code as relationships spell it (three ASCII capitals). */
  public static boolean isNation(String code) {
    return code != null && NATION.matcher(code).matches();
  }

  /** The nations a relationship names, in its order; empty when it is not a well-formed name. */
  public static List<String> parties(String relationship) {
    if (relationship == null || !RELATIONSHIP.matcher(relationship).matches()) {
      return List.of();
    }
    List<String> nations = List.of(relationship.split("-"));
    return nations.size() == 2 && nations.get(0).compareTo(nations.get(1)) >= 0
        ? List.of()
        : nations;
  }

  /**
   * Whether this auditor may read {@code relationship}: a well-formed name its nation is party to.
   */
  public boolean covers(String relationship) {
    return Relationships.FEDERATION.equals(relationship) || parties(relationship).contains(nation);
  }

  /**
   * The relationship an auditor asked for, once checked.
   *
   * @throws Refused MALFORMED when none is named or the name is not well formed; OUT_OF_SCOPE when
   *     the auditor's nation is not party to it
   */
  public String relationship(String requested) {
    if (requested == null || requested.isEmpty()) {
      throw new Refused(
          Refused.Why.MALFORMED, "name a relationship, like " + nation + "-USA or " + nation);
    }
    if (requested.equals(Relationships.FEDERATION)) {
      return requested;
    }
    if (!RELATIONSHIP.matcher(requested).matches()) {
      throw new Refused(
          Refused.Why.MALFORMED,
          "a relationship is one nation (KOR) or two in alphabetical order (JPN-KOR), not "
              + requested);
    }
    String[] nations = requested.split("-");
    if (nations.length == 2 && nations[0].compareTo(nations[1]) >= 0) {
      throw new Refused(
          Refused.Why.MALFORMED,
          "name the nations of a relationship in alphabetical order: "
              + Relationships.between(nations[0], nations[1])
              + ", not "
              + requested);
    }
    if (!covers(requested)) {
      throw new Refused(
          Refused.Why.OUT_OF_SCOPE,
          "an auditor of "
              + nation
              + " reads only the relationships "
              + nation
              + " is party to, not "
              + requested);
    }
    return requested;
  }

  /**
   * Of the relationships in the log, those this auditor reads; its nation's own chain when there
   * are none, so a query always names one.
   */
  public List<String> visible(Collection<String> inLog) {
    List<String> visible = inLog.stream().filter(this::covers).toList();
    return visible.isEmpty() ? List.of(nation) : visible;
  }

  /**
   * Whether this auditor reads a record with this label whole: the label's nation marks its level,
   * and the clearance dominates it. Otherwise the auditor gets the record's chain link only.
   */
  public boolean readsWhole(SecurityLabel label) {
    Level level =
        label.getLevel() == ClassificationLevel.UNRECOGNIZED
            ? null
            : WireMapping.level(label.getLevel());
    return clearance != null
        && level != null
        && !label.getMarking().isEmpty()
        && clearance.dominates(level);
  }
}
