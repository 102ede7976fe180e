package org.alliedexchange.policy;

/** The status of an agreement from a given instant. */
public enum AgreementStatus {
  /** Items may flow at the levels the agreement covers. */
  IN_FORCE,
  /** Nothing flows until the agreement is in force again. */
  SUSPENDED,
  /**
   * Nothing flows from then on; protection of what was exchanged survives, but no status may
   * follow.
   */
  TERMINATED
}
