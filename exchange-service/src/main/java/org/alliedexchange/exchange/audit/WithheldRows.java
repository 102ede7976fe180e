package org.alliedexchange.exchange.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.auditstream.EventIds;
import org.alliedexchange.label.TransferRecordBuilder;
import org.alliedexchange.label.WithheldSummary;
import org.alliedexchange.policy.Reason;

/**
 * The rows one stream (a search page, a subscription) withheld, gathered into one summary record
 * per originator, level and reasons ({@link WithheldSummary}) instead of a record per row: a search
 * reading past 50,000 rows the caller may not have writes 50 records, not 50,000, each listing the
 * product ids of its rows within the caller's listing budget ({@link ListingBudget}).
 */
public final class WithheldRows {

  private record Group(TransferRecord first, WithheldSummary rows) {}

  private final String nation;
  private final ListingBudget budget;
  private final Map<String, Group> groups = new LinkedHashMap<>();
  // summaries that filled up, waiting to be taken out with the next due, full or all
  private final List<TransferRecord> filled = new ArrayList<>();

  /**
   * @param nation this exchange service's nation, the records' source
   * @param budget how many withheld rows' ids each caller's summaries may list
   */
  public WithheldRows(String nation, ListingBudget budget) {
    this.nation = nation;
    this.budget = budget;
  }

  public synchronized void add(
      SecurityLabel label,
      String productId,
      String topic,
      Caller caller,
      String method,
      Set<Reason> reasons,
      Instant now) {
    String key =
        label.getOriginator()
            + '|'
            + label.getPolicy()
            + '|'
            + label.getLevelValue()
            + '|'
            + label.getMarking()
            + '|'
            + reasons;
    Group group =
        groups.computeIfAbsent(
            key,
            k ->
                new Group(
                    new TransferRecordBuilder("", method, nation)
                        .recipient(caller.nation(), caller.system(), caller.clearance())
                        .product(productId, topic)
                        .label(label)
                        .withheld(reasons, false)
                        .build(),
                    new WithheldSummary(now)));
    // a summary that has stopped listing spends no more of the budget
    group.rows().add(productId, group.rows().listing() && budget.take(caller.system()));
    if (group.rows().full()) {
      // summarized now; the group's next row starts another summary
      groups.remove(key);
      filled.add(group.rows().summarize(group.first(), EventIds.next(now)));
    }
  }

  /**
   * The summaries that filled up, taken out: a search writes them as it goes, so what it holds of
   * the rows it withholds stays bounded however many it reads.
   */
  public synchronized List<TransferRecord> full() {
    if (filled.isEmpty()) {
      return List.of();
    }
    List<TransferRecord> out = List.copyOf(filled);
    filled.clear();
    return out;
  }

  /** The summaries of groups full or waiting long enough, taken out: for a long-lived stream. */
  public synchronized List<TransferRecord> due(Instant now) {
    return take(now, false);
  }

  /** The summaries of every group still held, taken out: at the end of the stream. */
  public synchronized List<TransferRecord> all() {
    return take(Instant.now(), true);
  }

  private List<TransferRecord> take(Instant now, boolean everything) {
    if (groups.isEmpty() && filled.isEmpty()) {
      return List.of();
    }
    List<TransferRecord> summaries = new ArrayList<>(filled);
    filled.clear();
    for (Iterator<Group> it = groups.values().iterator(); it.hasNext(); ) {
      Group group = it.next();
      if (everything || group.rows().due(now)) {
        it.remove();
        summaries.add(group.rows().summarize(group.first(), EventIds.next(now)));
      }
    }
    return summaries;
  }
}
