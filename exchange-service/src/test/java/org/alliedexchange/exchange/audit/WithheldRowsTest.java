package org.alliedexchange.exchange.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.auditstream.AuditEventRules;
import org.alliedexchange.label.WithheldSummary;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Reason;
import org.junit.jupiter.api.Test;

/**
 * A stream's withheld rows are summarized with every row's product id listed, a summary at most
 * {@link WithheldSummary#MAX_ROWS} rows or {@link WithheldSummary#MAX_ID_BYTES} of ids: so an
 * auditor finds each refusal by its product id, each summary is a record the log stores, and what a
 * search holds of the rows it withholds stays bounded.
 */
class WithheldRowsTest {

  private static final Caller USA_READER =
      new Caller("usa-dia-reader", "USA", Level.SECRET, Set.of(), Set.of());
  private static final SecurityLabel KOR_ONLY =
      SecurityLabel.newBuilder()
          .setPolicy("KOR")
          .setOriginator("KOR")
          .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
          .setMarking("군사II급비밀")
          .addReleasableTo("KOR")
          .build();

  @Test
  void aFullSummaryIsTakenOutAsSoonAsItFillsAndTheRestAtTheEnd() {
    WithheldRows withheld = new WithheldRows("KOR", new ListingBudget(2_000));
    List<String> ids = new ArrayList<>();
    List<TransferRecord> written = new ArrayList<>();
    int rows = 2 * WithheldSummary.MAX_ROWS + 500;
    for (int i = 0; i < rows; i++) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      withhold(withheld, id);
      // a search takes out what filled up as it reads on
      written.addAll(withheld.full());
      assertThat(written).hasSize((i + 1) / WithheldSummary.MAX_ROWS);
    }
    written.addAll(withheld.all());

    assertThat(written)
        .extracting(TransferRecord::getWithheldCount)
        .containsExactly(WithheldSummary.MAX_ROWS, WithheldSummary.MAX_ROWS, 500);
    List<String> listed = new ArrayList<>();
    written.forEach(summary -> listed.addAll(summary.getWithheldProductIdsList()));
    assertThat(listed).isEqualTo(ids);
    assertThat(written).extracting(TransferRecord::getTransferId).doesNotHaveDuplicates();
    assertThat(withheld.all()).isEmpty();
  }

  @Test
  void aSummaryOfTheLongestIdsFillsByItsBytesAndIsStillARecordTheLogStores() {
    WithheldRows withheld = new WithheldRows("KOR", new ListingBudget(2_000));
    // the longest product id a column holds, of three-byte characters
    String longest = "界".repeat(AuditEventRules.MAX_COLUMN_CHARS - 6);
    int rows = 0;
    while (withheld.full().isEmpty() && rows < WithheldSummary.MAX_ROWS) {
      withhold(withheld, longest + String.format("%06d", rows));
      rows++;
    }
    assertThat(rows).as("rows until full").isLessThan(WithheldSummary.MAX_ROWS);
    withhold(withheld, longest + String.format("%06d", rows));
    List<TransferRecord> summaries = withheld.all();
    assertThat(summaries)
        .hasSize(1)
        .first()
        .satisfies(s -> assertThat(s.getWithheldCount()).isOne());

    // the full one, as the exchange service writes it
    WithheldRows again = new WithheldRows("KOR", new ListingBudget(2_000));
    List<TransferRecord> full = List.of();
    for (int i = 0; full.isEmpty(); i++) {
      withhold(again, longest + String.format("%06d", i));
      full = again.full();
    }
    byte[] event =
        AuditEvent.newBuilder()
            .setEventId(full.get(0).getTransferId())
            .setSource("exchange-service/KOR")
            .setTransfer(full.get(0))
            .build()
            .toByteArray();
    assertThat(event.length).isLessThan(AuditEventRules.MAX_EVENT_BYTES);
    assertThat(AuditEventRules.problem(event)).isEmpty();
  }

  @Test
  void aCallerPastItsListingBudgetHasItsFurtherRowsCountedNotListed() {
    long[] now = {0};
    // 25 ids a second: a minute's worth, 1,500, at once
    ListingBudget budget = new ListingBudget(25, () -> now[0]);
    WithheldRows withheld = new WithheldRows("KOR", budget);
    List<String> ids = new ArrayList<>();
    List<TransferRecord> written = new ArrayList<>();
    for (int i = 0; i < 2 * WithheldSummary.MAX_ROWS + 500; i++) {
      if (i == 1_600) {
        // a second passes: 25 more may be listed, but not inside the summary that stopped listing
        now[0] += 1_000_000_000L;
      }
      String id = "p-" + i;
      ids.add(id);
      withhold(withheld, id);
      written.addAll(withheld.full());
    }
    written.addAll(withheld.all());

    // every row counted, in as many summaries as before; only the budget's worth listed, and each
    // summary's listed ids its first rows' (so the digest can be checked by whoever holds them all)
    assertThat(written)
        .extracting(TransferRecord::getWithheldCount)
        .containsExactly(WithheldSummary.MAX_ROWS, WithheldSummary.MAX_ROWS, 500);
    assertThat(written.get(0).getWithheldProductIdsList()).isEqualTo(ids.subList(0, 1_000));
    assertThat(written.get(1).getWithheldProductIdsList()).isEqualTo(ids.subList(1_000, 1_500));
    assertThat(written.get(2).getWithheldProductIdsList()).isEqualTo(ids.subList(2_000, 2_025));
    // another system's budget is its own
    assertThat(budget.take("jpn-mod-reader")).isTrue();
    // spent; a second later the caller lists 25 more
    assertThat(budget.take(USA_READER.system())).isFalse();
    now[0] += 1_000_000_000L;
    for (int i = 0; i < 25; i++) {
      assertThat(budget.take(USA_READER.system())).as("id " + i).isTrue();
    }
    assertThat(budget.take(USA_READER.system())).isFalse();
  }

  @Test
  void aFullSummaryTakesNoMoreRows() {
    WithheldSummary summary = new WithheldSummary(Instant.now());
    for (int i = 0; i < WithheldSummary.MAX_ROWS; i++) {
      summary.add("p-" + i);
    }
    assertThat(summary.full()).isTrue();
    assertThatThrownBy(() -> summary.add("one too many")).isInstanceOf(IllegalStateException.class);
    assertThat(summary.rows()).isEqualTo(WithheldSummary.MAX_ROWS);
  }

  private static void withhold(WithheldRows withheld, String productId) {
    withheld.add(
        KOR_ONLY,
        productId,
        "dprk.missile.launch",
        USA_READER,
        "ExchangeService/Search",
        Set.of(Reason.NOT_RELEASABLE_TO_NATION),
        Instant.now());
  }
}
