package org.alliedexchange.policy;

import java.util.AbstractSet;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * A confidentiality label after STANAG 4774, as the engine sees it.
 *
 * @param policy the nation whose scheme the marking belongs to (ISO 3166-1 alpha-3)
 * @param level the common level, or null when only the marking is given
 * @param marking the national marking as written, or null when only the level is given
 * @param originator the originating nation
 * @param releasableTo the nations it may be released to (permissive: the recipient's nation must be
 *     listed)
 * @param communities need-to-know communities (restrictive: the recipient must hold all of them)
 * @param controls dissemination controls by name, e.g. "ORCON", "NOFORN"
 * @param levelUnrecognized true when a level was given that is not on the common scale (a misspelt
 *     name, or an enum number this build does not know): the label is then invalid, never read as
 *     "no level"
 * @param uninterpretedFields true when the label as written carries fields its schema does not
 *     know, at any depth: the label is then invalid, as nothing may pass that nobody interpreted
 */
public record Label(
    String policy,
    Level level,
    String marking,
    String originator,
    Set<String> releasableTo,
    Set<String> communities,
    Set<String> controls,
    boolean levelUnrecognized,
    boolean uninterpretedFields) {

  /** A label with no field its schema does not know. */
  public Label(
      String policy,
      Level level,
      String marking,
      String originator,
      Set<String> releasableTo,
      Set<String> communities,
      Set<String> controls,
      boolean levelUnrecognized) {
    this(
        policy,
        level,
        marking,
        originator,
        releasableTo,
        communities,
        controls,
        levelUnrecognized,
        false);
  }

  /** A label whose level, if any, is on the common scale. */
  public Label(
      String policy,
      Level level,
      String marking,
      String originator,
      Set<String> releasableTo,
      Set<String> communities,
      Set<String> controls) {
    this(policy, level, marking, originator, releasableTo, communities, controls, false, false);
  }

  /** Dissemination control: no foreign nationals. */
  public static final String NOFORN = "NOFORN";

  /** Dissemination control: originator controlled. */
  public static final String ORCON = "ORCON";

  /** The controls the engine knows how to interpret; any other makes the label invalid. */
  public static final Set<String> KNOWN_CONTROLS = Set.of(NOFORN, ORCON);

  /**
   * How a need-to-know community is written: the syntax the realm's user profile enforces on the
   * {@code communities} attribute, so a label can name only communities someone can hold.
   */
  public static final java.util.regex.Pattern COMMUNITY_SYNTAX =
      java.util.regex.Pattern.compile("[A-Z0-9_.-]{1,64}");

  public Label {
    // copies that tolerate null entries: the engine reports them as MALFORMED rather than throwing
    releasableTo = copy(releasableTo);
    communities = copy(communities);
    controls = copy(controls);
  }

  /**
   * A label from its lists as written (a protobuf label's repeated fields, say), each copied once:
   * handing the canonical constructor a set made from them would copy each twice, for every message
   * the guard decides.
   */
  public static Label of(
      String policy,
      Level level,
      String marking,
      String originator,
      Collection<String> releasableTo,
      Collection<String> communities,
      Collection<String> controls,
      boolean levelUnrecognized,
      boolean uninterpretedFields) {
    return new Label(
        policy,
        level,
        marking,
        originator,
        copy(releasableTo),
        copy(communities),
        copy(controls),
        levelUnrecognized,
        uninterpretedFields);
  }

  private static Set<String> copy(Collection<String> values) {
    if (values instanceof Copy<String> copy) {
      return copy; // made here, from a copy nobody else holds
    }
    if (values == null || values.isEmpty()) {
      return Set.of();
    }
    return new Copy<>(new HashSet<>(values));
  }

  /**
   * A read-only set over a copy only this class made, so the constructor need not copy it again.
   */
  private static final class Copy<E> extends AbstractSet<E> {
    private final Set<E> values;

    Copy(HashSet<E> values) {
      this.values = Collections.unmodifiableSet(values);
    }

    @Override
    public Iterator<E> iterator() {
      return values.iterator();
    }

    @Override
    public int size() {
      return values.size();
    }

    @Override
    public boolean contains(Object value) {
      return values.contains(value);
    }
  }
}
