package org.alliedexchange.policy;

/** Why a decision is DENY. A decision carries every reason that applies. */
public enum Reason {
  /** The label is invalid; {@link Decision#labelDefects()} says how. */
  LABEL_INVALID,
  /** The recipient's clearance is below the label's level. */
  INSUFFICIENT_CLEARANCE,
  /** The recipient lacks at least one of the label's need-to-know communities. */
  NEED_TO_KNOW,
  /** The recipient's nation is foreign and not in the label's releasable-to. */
  NOT_RELEASABLE_TO_NATION,
  /** The label is NOFORN and the recipient is foreign. */
  NOFORN,
  /**
   * No agreement between the originator's and the recipient's nations is in force at the instant.
   */
  NO_AGREEMENT_IN_FORCE,
  /** Agreements are in force, but none covers the label's level. */
  LEVEL_NOT_COVERED,
  /** The recipient's nation has no marking at the label's level. */
  NO_EQUIVALENT_MARKING,
  /** The recipient's nation is not in the configuration, or its clearance is not a known level. */
  UNKNOWN_RECIPIENT
}
