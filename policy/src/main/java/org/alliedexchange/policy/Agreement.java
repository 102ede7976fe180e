package org.alliedexchange.policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * An information-security agreement between two or more nations (a GSOMIA, or an arrangement such as
 * TISA): the levels it covers, the same for every party, and its status history.
 */
public final class Agreement {

  private final String id;
  private final String name;
  private final List<String> parties;
  private final Set<Level> levels;
  private final List<StatusChange> history;

  Agreement(String id, String name, List<String> parties, Set<Level> levels, List<StatusChange> history) {
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
   * This agreement with one more status change appended.
   *
   * @throws IllegalArgumentException when the change is not after the last one, or follows a termination
   */
  public Agreement withStatus(AgreementStatus status, Instant from) {
    StatusChange last = history.get(history.size() - 1);
    if (last.status() == AgreementStatus.TERMINATED) {
      throw new IllegalArgumentException("agreement " + id + " was terminated at " + last.from() + "; no status may follow");
    }
    if (!from.isAfter(last.from())) {
      throw new IllegalArgumentException("agreement " + id + ": a status change must come after " + last.from());
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
