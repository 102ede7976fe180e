package org.alliedexchange.policy;

/** How a label is invalid (the detail behind {@link Reason#LABEL_INVALID}). */
public enum LabelDefect {
  /** The label, or one of its lists, is missing or holds an empty entry. */
  MALFORMED("the label or one of its lists is missing or holds an empty entry"),
  /** The policy nation is not in the configuration. */
  UNKNOWN_POLICY("the policy nation is not in the configuration"),
  /** A level is given that is not on the common scale. */
  UNKNOWN_LEVEL(
      "the level is not one of UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET, TOP_SECRET"),
  /** Neither a marking nor a level is given. */
  MISSING_CLASSIFICATION("the label gives neither a marking nor a level"),
  /** The marking belongs to no nation's scheme. */
  UNKNOWN_MARKING("the marking belongs to no nation's scheme"),
  /** The marking belongs to another nation's scheme than the policy nation's. */
  MARKING_NOT_OF_POLICY("the marking is not one of the policy nation's"),
  /** The marking and the level disagree, or the policy nation has no marking at the level given. */
  MARKING_LEVEL_MISMATCH(
      "the marking and the level disagree, or the policy nation has no marking at that level"),
  /** The originator is missing or is not the policy nation. */
  ORIGINATOR_NOT_POLICY("the originator is missing or is not the policy nation"),
  /** The originator is missing from releasable-to. */
  ORIGINATOR_NOT_RELEASABLE("the originator is missing from releasable-to"),
  /** NOFORN together with a foreign nation in releasable-to. */
  NOFORN_WITH_FOREIGN_RELEASE("NOFORN together with a foreign nation in releasable-to"),
  /**
   * A dissemination control the engine does not know (it cannot interpret it, so it cannot
   * release).
   */
  UNKNOWN_CONTROL("a dissemination control the engine does not know"),
  /** Releasable-to names a nation that is not in the federation. */
  UNKNOWN_NATION("releasable-to names a nation that is not in the federation"),
  /** A need-to-know community is not written as {@link Label#COMMUNITY_SYNTAX} requires. */
  MALFORMED_COMMUNITY("a community is not 1 to 64 of A-Z, 0-9, '_', '.', '-'"),
  /**
   * The label carries fields its schema does not know (it cannot be interpreted, so it cannot be
   * signed or released).
   */
  UNINTERPRETED_FIELDS("the label carries fields its schema does not know");

  private final String description;

  LabelDefect(String description) {
    this.description = description;
  }

  /** One line a developer can act on. */
  public String description() {
    return description;
  }
}
