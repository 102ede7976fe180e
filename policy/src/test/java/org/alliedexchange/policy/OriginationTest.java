package org.alliedexchange.policy;

import static org.alliedexchange.policy.Labels.marked;
import static org.alliedexchange.policy.Labels.withCommunities;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Who may originate a label: only what the author could itself read, of its own nation, and valid —
 * decided before a publish or an amendment is stored.
 */
class OriginationTest {

  private static final ReleasabilityEngine ENGINE =
      new ReleasabilityEngine(FederationConfig.loadDefault());
  private static final Recipient KOR_CONFIDENTIAL =
      new Recipient("KOR", Level.CONFIDENTIAL, Set.of("MISSILE_WARNING"));
  private static final Recipient KOR_TOP_SECRET =
      new Recipient("KOR", Level.TOP_SECRET, Set.of("MISSILE_WARNING"));

  @Test
  void anAuthorMayOriginateWhatItCouldItselfRead() {
    Label secretForJapan = marked("KOR", "군사II급비밀", "KOR", "JPN");

    assertThat(ENGINE.refuseOrigination(secretForJapan, KOR_TOP_SECRET)).isEmpty();
    // and whatever it may originate it is also given by the engine
    assertThat(ENGINE.decide(secretForJapan, KOR_TOP_SECRET, Instant.parse("2026-11-26T00:00:00Z")))
        .extracting(Decision::permitted)
        .isEqualTo(true);
  }

  @Test
  void aLabelAboveTheAuthorsClearanceIsRefused() {
    OriginationRefusal refusal =
        ENGINE.refuseOrigination(marked("KOR", "군사I급비밀", "KOR", "USA"), KOR_CONFIDENTIAL).get();

    assertThat(refusal.kind()).isEqualTo(OriginationRefusal.Kind.ABOVE_CLEARANCE);
    assertThat(refusal.message()).contains("TOP_SECRET").contains("CONFIDENTIAL");
  }

  @Test
  void aCommunityTheAuthorDoesNotHoldIsRefusedNamingIt() {
    OriginationRefusal refusal =
        ENGINE
            .refuseOrigination(
                withCommunities(marked("KOR", "군사III급비밀", "KOR"), "MISSILE_WARNING", "SIGINT"),
                KOR_CONFIDENTIAL)
            .get();

    assertThat(refusal.kind()).isEqualTo(OriginationRefusal.Kind.COMMUNITY_NOT_HELD);
    assertThat(refusal.message()).contains("[SIGINT]");
  }

  @Test
  void anotherNationsLabelIsRefusedByTheThirdPartyRule() {
    OriginationRefusal refusal =
        ENGINE.refuseOrigination(marked("JPN", "秘", "JPN", "KOR"), KOR_TOP_SECRET).get();

    assertThat(refusal.kind()).isEqualTo(OriginationRefusal.Kind.NOT_OWN_NATION);
  }

  @Test
  void anInvalidLabelIsRefusedWithItsDefects() {
    OriginationRefusal refusal =
        ENGINE.refuseOrigination(marked("KOR", "군사II급비밀", "KOR", "\u0000"), KOR_TOP_SECRET).get();

    assertThat(refusal.kind()).isEqualTo(OriginationRefusal.Kind.LABEL_INVALID);
    assertThat(refusal.defects()).containsExactly(LabelDefect.UNKNOWN_NATION);
    assertThat(refusal.message()).contains("UNKNOWN_NATION");
  }
}
