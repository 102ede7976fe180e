package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** `allied audit query` prints a record a line: a summary of withheld rows says how many. */
class AuditQueryLineTest {

  @Test
  void aSummaryOfWithheldRowsSaysHowManyRowsItStandsForAndARecordItsProduct() throws Exception {
    String summary =
        """
        {"relationship":"JPN-KOR","sequence":"7","label":{"marking":"秘"},
         "event":{"occurredAt":"2026-11-28T10:00:00Z","transfer":{"decision":"DECISION_DENY",
          "label":{"originator":"KOR","marking":"군사II급비밀"},"recipientNation":"JPN",
          "recipientSystem":"jpn-mod-reader","withheldCount":500,
          "withheldProductIds":["p-0","p-1"],"reasons":["DENY_REASON_NOT_RELEASABLE_TO_NATION"]}}}
        """;
    String single = summary.replace("\"withheldCount\":500,", "\"productId\":\"p-9\",");

    assertThat(AuditQueryCommand.line(AuditCommand.JSON.readTree(summary)))
        .isEqualTo(
            "JPN-KOR #7  2026-11-28T10:00:00Z  DENY  KOR->JPN  jpn-mod-reader  (500 rows withheld)"
                + "  군사II급비밀  [秘]  NOT_RELEASABLE_TO_NATION");
    assertThat(
            AuditQueryCommand.line(
                AuditCommand.JSON.readTree(
                    summary.replace("\"withheldCount\":500", "\"withheldCount\":1"))))
        .contains("(1 row withheld)");
    assertThat(AuditQueryCommand.line(AuditCommand.JSON.readTree(single)))
        .contains("jpn-mod-reader  p-9  군사II급비밀")
        .doesNotContain("rows withheld");
  }
}
