package org.alliedexchange.audit.query;

import com.google.protobuf.Timestamp;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.NationalScheme;

/**
 * The labels the audit service gives what it answers an auditor. A record is an item of its own,
 * held for each nation party to it: served to a nation's auditor it is labelled in that nation's
 * scheme, releasable to that nation only, at the level of the product it describes (it names the
 * product, its topic and its label: metadata is protected as strictly as the payload), rounded up
 * to the next level that scheme marks. It carries none of the product's content, so none of its
 * communities. The gateway's guard then decides it like any item: the auditor's clearance must
 * dominate it, and it is re-marked and audited on release. See
 * docs/adr/2026-11-22-audit-record-labels.md.
 */
public final class RecordLabels {

  /** Records that describe no product (agreement and identity changes), and compliance reports. */
  public static final Level SUMMARY_LEVEL = Level.CONFIDENTIAL;

  /** Chain verification and checkpoints reveal only counts and hashes. */
  public static final Level CHAIN_LEVEL = Level.UNCLASSIFIED;

  private final Federation federation;

  public RecordLabels(Federation federation) {
    this.federation = federation;
  }

  /** The label of {@code event} served to an auditor of {@code nation}. */
  public SecurityLabel forRecord(AuditEvent event, String nation) {
    return label(levelOf(event), nation, event.hasOccurredAt() ? event.getOccurredAt() : null);
  }

  /**
   * The label of an answer about the log (a report, a verification) at {@code level}, for {@code
   * nation}.
   */
  public SecurityLabel forAnswer(Level level, String nation) {
    return label(level, nation, null);
  }

  private Level levelOf(AuditEvent event) {
    if (event.hasProductServed()) {
      // it names a product and its label, as a transfer record does
      return productLevel(event.getProductServed().getLabel());
    }
    if (event.hasHotline() && event.getHotline().hasLabel()) {
      // a hotline message's step is as classified as the message it concerns
      return productLevel(event.getHotline().getLabel());
    }
    if (!event.hasTransfer()) {
      return SUMMARY_LEVEL;
    }
    return productLevel(event.getTransfer().getLabel());
  }

  /**
   * The common level of a product's label: its level, or its marking's under its policy (an
   * originator may give either), the higher when they disagree; TOP_SECRET when neither can be
   * read.
   */
  public Level productLevel(SecurityLabel product) {
    Level level =
        product.getLevel() == org.alliedexchange.api.label.v1.ClassificationLevel.UNRECOGNIZED
            ? null
            : WireMapping.level(product.getLevel());
    NationalScheme scheme = federation.nation(product.getPolicy());
    Level marked =
        scheme == null || product.getMarking().isEmpty()
            ? null
            : scheme.levelOf(product.getMarking());
    if (level == null && marked == null) {
      // a label the log cannot read is treated as the highest level, not the lowest
      return Level.TOP_SECRET;
    }
    // a label whose level and marking disagree (a refused one) is treated as the higher of the two
    return level == null
        ? marked
        : marked == null ? level : (marked.dominates(level) ? marked : level);
  }

  private SecurityLabel label(Level level, String nation, Timestamp createdAt) {
    SecurityLabel.Builder label =
        SecurityLabel.newBuilder().setPolicy(nation).setOriginator(nation).addReleasableTo(nation);
    if (createdAt != null) {
      label.setCreatedAt(createdAt);
    }
    NationalScheme scheme = federation.nation(nation);
    Level[] levels = Level.values();
    for (int i = level.ordinal(); scheme != null && i < levels.length; i++) {
      String marking = scheme.markingAt(levels[i]);
      if (marking != null) {
        return label.setLevel(WireMapping.level(levels[i])).setMarking(marking).build();
      }
    }
    // no marking of this nation covers the level: the guard withholds a label it cannot mark
    return label.setLevel(WireMapping.level(level)).build();
  }
}
