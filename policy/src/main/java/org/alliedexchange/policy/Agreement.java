package org.alliedexchange.policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * An information-security agreement between two or more nations (a GSOMIA, or an arrangement such
 * as TISA): the levels it covers, the same for every party, and its status history.
 */
public final class Agreement {

  private final String id;
  private final String name;
  private final List<String> parties;
  private final Set<Level> levels;
  private final List<StatusChange> history;

  Agreement(
      String id, String name, List<String> parties, Set<Level> levels, List<StatusChange> history) {
    this.id = id;
    this.name = name;
    this.parties = List.copyOf(parties);
    this.levels = Collections.unmodifiableSet(EnumSet.copyOf(levels));
    this.history = List.copyOf(history);
  }

  public String id() {
    return id;
  }

  public String name() {
    return name;
  }

  /** The nations party to it, ISO 3166-1 alpha-3. */
  public List<String> parties() {
    return parties;
  }

  /** The levels it covers. */
  public Set<Level> levels() {
    return levels;
  }

  /** Its status history, oldest first. */
  public List<StatusChange> history() {
    return history;
  }

  public boolean covers(Level level) {
    return levels.contains(level);
  }

  /** Its status at an instant; null before its first entry (it did not exist yet). */
  public AgreementStatus statusAt(Instant at) {
    for (int i = history.size() - 1; i >= 0; i--) {
      StatusChange change = history.get(i);
      if (!change.from().isAfter(at)) {
        return change.status();
      }
    }
    return null;
  }

  public boolean inForceAt(Instant at) {
    return statusAt(at) == AgreementStatus.IN_FORCE;
  }

  /**
   * This agreement suspended from {@code at}: nothing flows under it until it is resumed.
   *
   * @throws TransitionRefused unless it is in force at {@code at} with no change of status after it
   */
  public Agreement suspend(Instant at) {
    return transition(AgreementStatus.SUSPENDED, at);
  }

  /**
   * This agreement in force again from {@code at}.
   *
   * @throws TransitionRefused unless it is suspended at {@code at} with no change of status after
   *     it
   */
  public Agreement resume(Instant at) {
    return transition(AgreementStatus.IN_FORCE, at);
  }

  // termination is a treaty act, made in the federation configuration: no transition leads to it
  private Agreement transition(AgreementStatus to, Instant at) {
    AgreementStatus current = statusAt(at);
    if (current == null) {
      throw new TransitionRefused(
          TransitionRefused.Why.NOT_YET_IN_EFFECT,
          "agreement " + id + " is not yet in effect; it can be neither suspended nor resumed");
    }
    if (current == AgreementStatus.TERMINATED) {
      throw new TransitionRefused(
          TransitionRefused.Why.TERMINATED,
          "agreement " + id + " is terminated; it can be neither suspended nor resumed");
    }
    if (current == to) {
      throw new TransitionRefused(
          TransitionRefused.Why.ALREADY, "agreement " + id + " is already " + to);
    }
    StatusChange last = history.get(history.size() - 1);
    if (!at.isAfter(last.from())) {
      throw new TransitionRefused(
          TransitionRefused.Why.LATER_CHANGE,
          "agreement "
              + id
              + " changes to "
              + last.status()
              + " at "
              + last.from()
              + "; a change made at "
              + at
              + " must come after it");
    }
    return withStatus(to, at);
  }

  /** A suspension or resumption this agreement's status does not allow; nothing changed. */
  public static final class TransitionRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the transition was refused. */
    public enum Why {
      /** The agreement's history starts after the instant of the change. */
      NOT_YET_IN_EFFECT,
      /** The agreement was terminated; no status may follow. */
      TERMINATED,
      /** The agreement already has the status asked for. */
      ALREADY,
      /** The agreement's history holds a change at or after the instant of this one. */
      LATER_CHANGE
    }

    private final Why why;

    TransitionRefused(Why why, String message) {
      super(message);
      this.why = why;
    }

    public Why why() {
      return why;
    }
  }

  /**
   * This agreement with one more status change appended.
   *
   * @throws IllegalArgumentException when the change is not after the last one, or follows a
   *     termination
   */
  public Agreement withStatus(AgreementStatus status, Instant from) {
    StatusChange last = history.get(history.size() - 1);
    if (last.status() == AgreementStatus.TERMINATED) {
      throw new IllegalArgumentException(
          "agreement " + id + " was terminated at " + last.from() + "; no status may follow");
    }
    if (!from.isAfter(last.from())) {
      throw new IllegalArgumentException(
          "agreement " + id + ": a status change must come after " + last.from());
    }
    List<StatusChange> next = new ArrayList<>(history);
    next.add(new StatusChange(status, from));
    return new Agreement(id, name, parties, levels, next);
  }

  @Override
  public String toString() {
    return id;
  }
}
