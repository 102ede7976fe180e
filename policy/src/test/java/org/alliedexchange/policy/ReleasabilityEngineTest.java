package org.alliedexchange.policy;

import static org.alliedexchange.policy.Labels.leveled;
import static org.alliedexchange.policy.Labels.marked;
import static org.alliedexchange.policy.Labels.recipient;
import static org.alliedexchange.policy.Labels.withCommunities;
import static org.alliedexchange.policy.Labels.withControls;
import static org.alliedexchange.policy.Level.CONFIDENTIAL;
import static org.alliedexchange.policy.Level.RESTRICTED;
import static org.alliedexchange.policy.Level.SECRET;
import static org.alliedexchange.policy.Level.TOP_SECRET;
import static org.alliedexchange.policy.Level.UNCLASSIFIED;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReleasabilityEngineTest {

  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final ReleasabilityEngine ENGINE = new ReleasabilityEngine(FederationConfig.loadDefault());

  /**
   * name, label, recipient, expected marking on PERMIT (null for DENY), expected agreement,
   * expected reasons.
   */
  static Stream<Arguments> cases() {
    return Stream.of(
        // rule 2: within the originator's nation
        permit(
            "KOR system cleared SECRET reads KOR SECRET",
            marked("KOR", "군사II급비밀", "KOR"),
            recipient("KOR", SECRET),
            "군사II급비밀",
            null),
        permit(
            "KOR system cleared TOP_SECRET reads KOR RESTRICTED",
            marked("KOR", "대외비", "KOR"),
            recipient("KOR", TOP_SECRET),
            "대외비",
            null),
        deny(
            "KOR system cleared CONFIDENTIAL cannot read KOR SECRET",
            marked("KOR", "군사II급비밀", "KOR"),
            recipient("KOR", CONFIDENTIAL),
            Reason.INSUFFICIENT_CLEARANCE),
        deny(
            "need-to-know: every community is required",
            withCommunities(marked("KOR", "군사II급비밀", "KOR"), "MISSILE", "SIGINT"),
            recipient("KOR", TOP_SECRET, "MISSILE"),
            Reason.NEED_TO_KNOW),
        permit(
            "need-to-know held in full",
            withCommunities(marked("KOR", "군사II급비밀", "KOR"), "MISSILE", "SIGINT"),
            recipient("KOR", SECRET, "MISSILE", "SIGINT", "HUMINT"),
            "군사II급비밀",
            null),
        deny(
            "clearance and need-to-know both fail: both reasons",
            withCommunities(marked("KOR", "군사I급비밀", "KOR"), "MISSILE"),
            recipient("KOR", SECRET),
            Reason.INSUFFICIENT_CLEARANCE,
            Reason.NEED_TO_KNOW),
        permit(
            "NOFORN within the nation",
            withControls(marked("USA", "SECRET", "USA"), "NOFORN"),
            recipient("USA", SECRET),
            "SECRET",
            null),
        permit(
            "a level-only label is marked with the policy nation's marking",
            leveled("JPN", SECRET, "JPN"),
            recipient("JPN", SECRET),
            "極秘",
            null),

        // rule 3: to another nation
        permit(
            "KOR SECRET to JPN is re-marked 極秘 under the GSOMIA",
            marked("KOR", "군사II급비밀", "KOR", "JPN"),
            recipient("JPN", SECRET),
            "極秘",
            "KOR-JPN-GSOMIA-2016"),
        permit(
            "KOR SECRET to USA is re-marked SECRET",
            marked("KOR", "군사II급비밀", "KOR", "JPN", "USA"),
            recipient("USA", SECRET),
            "SECRET",
            "KOR-USA-GSOMIA-1987"),
        permit(
            "KOR TOP SECRET to USA is TOP SECRET with a space",
            marked("KOR", "군사I급비밀", "KOR", "USA"),
            recipient("USA", TOP_SECRET),
            "TOP SECRET",
            "KOR-USA-GSOMIA-1987"),
        permit(
            "JPN CONFIDENTIAL to KOR is 군사III급비밀",
            marked("JPN", "秘", "JPN", "KOR"),
            recipient("KOR", CONFIDENTIAL),
            "군사III급비밀",
            "KOR-JPN-GSOMIA-2016"),
        permit(
            "JPN 特定秘密 is SECRET and reaches USA as SECRET",
            marked("JPN", "特定秘密", "JPN", "USA"),
            recipient("USA", SECRET),
            "SECRET",
            "JPN-USA-GSOMIA-2007"),
        permit(
            "USA TOP SECRET to JPN is 機密",
            marked("USA", "TOP SECRET", "USA", "JPN"),
            recipient("JPN", TOP_SECRET),
            "機密",
            "JPN-USA-GSOMIA-2007"),
        permit(
            "UNCLASSIFIED needs no agreement",
            leveled("KOR", UNCLASSIFIED, "KOR", "JPN"),
            recipient("JPN", UNCLASSIFIED),
            "一般",
            null),
        deny(
            "KOR TOP SECRET to JPN: above the GSOMIA's levels",
            marked("KOR", "군사I급비밀", "KOR", "JPN", "USA"),
            recipient("JPN", TOP_SECRET),
            Reason.LEVEL_NOT_COVERED),
        deny(
            "KOR-only report reaches nobody abroad",
            marked("KOR", "군사II급비밀", "KOR"),
            recipient("USA", TOP_SECRET),
            Reason.NOT_RELEASABLE_TO_NATION),
        deny(
            "NOFORN with a foreign nation listed: an invalid label, and NOFORN denies abroad",
            withControls(marked("KOR", "군사II급비밀", "KOR", "USA"), "NOFORN"),
            recipient("USA", TOP_SECRET),
            Reason.LABEL_INVALID,
            Reason.NOFORN),
        deny(
            "NOFORN KOR-only to USA: not releasable and NOFORN",
            withControls(marked("KOR", "군사II급비밀", "KOR"), "NOFORN"),
            recipient("USA", TOP_SECRET),
            Reason.NOT_RELEASABLE_TO_NATION,
            Reason.NOFORN),
        deny(
            "KOR RESTRICTED to USA: USA has no marking at RESTRICTED, and no agreement covers it",
            marked("KOR", "대외비", "KOR", "USA"),
            recipient("USA", TOP_SECRET),
            Reason.LEVEL_NOT_COVERED,
            Reason.NO_EQUIVALENT_MARKING),
        deny(
            "foreign recipient below the level",
            marked("KOR", "군사II급비밀", "KOR", "JPN"),
            recipient("JPN", CONFIDENTIAL),
            Reason.INSUFFICIENT_CLEARANCE),
        deny(
            "foreign recipient without the community",
            withCommunities(marked("USA", "SECRET", "USA", "KOR"), "MISSILE"),
            recipient("KOR", SECRET),
            Reason.NEED_TO_KNOW),
        deny(
            "every reason that applies at once",
            withCommunities(marked("KOR", "군사I급비밀", "KOR"), "MISSILE"),
            recipient("JPN", CONFIDENTIAL),
            Reason.INSUFFICIENT_CLEARANCE,
            Reason.NEED_TO_KNOW,
            Reason.NOT_RELEASABLE_TO_NATION,
            Reason.LEVEL_NOT_COVERED),

        // rule 1: invalid labels
        deny(
            "unknown policy",
            marked("XYZ", "SECRET", "XYZ", "USA"),
            recipient("USA", TOP_SECRET),
            Reason.LABEL_INVALID),
        deny(
            "unknown marking",
            marked("KOR", "극비", "KOR"),
            recipient("KOR", TOP_SECRET),
            Reason.LABEL_INVALID),
        deny(
            "a marking that is not the policy nation's",
            marked("KOR", "極秘", "KOR"),
            recipient("KOR", TOP_SECRET),
            Reason.LABEL_INVALID),
        deny(
            "marking and level disagree",
            new Label("KOR", CONFIDENTIAL, "군사II급비밀", "KOR", Set.of("KOR"), Set.of(), Set.of()),
            recipient("KOR", TOP_SECRET),
            Reason.LABEL_INVALID),
        deny(
            "a level the policy nation has no marking at",
            leveled("JPN", RESTRICTED, "JPN"),
            recipient("JPN", TOP_SECRET),
            Reason.LABEL_INVALID),
        deny(
            "originator not the policy nation",
            new Label("KOR", null, "군사II급비밀", "JPN", Set.of("KOR", "JPN"), Set.of(), Set.of()),
            recipient("KOR", TOP_SECRET),
            Reason.LABEL_INVALID),
        deny(
            "originator missing from releasable-to",
            marked("KOR", "군사II급비밀", "JPN"),
            recipient("JPN", SECRET),
            Reason.LABEL_INVALID),
        deny(
            "neither marking nor level",
            new Label("KOR", null, null, "KOR", Set.of("KOR"), Set.of(), Set.of()),
            recipient("KOR", TOP_SECRET),
            Reason.LABEL_INVALID),
        deny(
            "a level not on the common scale",
            new Label("KOR", null, "군사II급비밀", "KOR", Set.of("KOR"), Set.of(), Set.of(), true),
            recipient("KOR", TOP_SECRET),
            Reason.LABEL_INVALID),
        deny(
            "an unknown dissemination control",
            withControls(marked("KOR", "군사II급비밀", "KOR"), "EYES ONLY"),
            recipient("KOR", TOP_SECRET),
            Reason.LABEL_INVALID),

        // rule 4: unknown recipients
        deny(
            "unknown recipient nation, which a label cannot name either",
            marked("KOR", "군사II급비밀", "KOR", "GBR"),
            recipient("GBR", TOP_SECRET),
            Reason.LABEL_INVALID,
            Reason.NO_AGREEMENT_IN_FORCE,
            Reason.NO_EQUIVALENT_MARKING,
            Reason.UNKNOWN_RECIPIENT),
        deny(
            "unknown clearance",
            marked("KOR", "군사II급비밀", "KOR"),
            recipient("KOR", null),
            Reason.INSUFFICIENT_CLEARANCE,
            Reason.UNKNOWN_RECIPIENT),
        deny(
            "no recipient nation",
            marked("KOR", "군사II급비밀", "KOR"),
            recipient(null, TOP_SECRET),
            Reason.NOT_RELEASABLE_TO_NATION,
            Reason.NO_AGREEMENT_IN_FORCE,
            Reason.NO_EQUIVALENT_MARKING,
            Reason.UNKNOWN_RECIPIENT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides(
      String name,
      Label label,
      Recipient recipient,
      String marking,
      String agreement,
      Set<Reason> reasons) {
    Decision decision = ENGINE.decide(label, recipient, NOW);

    assertThat(decision.reasons()).as("reasons").containsExactlyInAnyOrderElementsOf(reasons);
    assertThat(decision.permitted()).as("permitted").isEqualTo(reasons.isEmpty());
    assertThat(decision.marking()).as("marking").isEqualTo(marking);
    assertThat(decision.agreementId()).as("agreement").isEqualTo(agreement);
  }

  @Test
  void labelDefectsSayHowALabelIsInvalid() {
    assertThat(
            ENGINE
                .decide(marked("KOR", "極秘", "KOR"), recipient("KOR", TOP_SECRET), NOW)
                .labelDefects())
        .containsExactly(LabelDefect.MARKING_NOT_OF_POLICY);
    assertThat(
            ENGINE
                .decide(marked("KOR", "극비", "KOR"), recipient("KOR", TOP_SECRET), NOW)
                .labelDefects())
        .containsExactly(LabelDefect.UNKNOWN_MARKING);
    assertThat(
            ENGINE
                .decide(
                    withControls(marked("KOR", "군사II급비밀", "KOR", "USA"), "NOFORN"),
                    recipient("KOR", TOP_SECRET),
                    NOW)
                .labelDefects())
        .containsExactly(LabelDefect.NOFORN_WITH_FOREIGN_RELEASE);
    assertThat(
            ENGINE
                .decide(
                    new Label(
                        "KOR", null, "군사II급비밀", "JPN", Set.of("KOR", "JPN"), Set.of(), Set.of()),
                    recipient("KOR", TOP_SECRET),
                    NOW)
                .labelDefects())
        .containsExactly(LabelDefect.ORIGINATOR_NOT_POLICY);
  }

  @Test
  void nothingThrowsOnMissingOrEmptyInput() {
    Label nulls = new Label(null, null, null, null, null, null, null);
    Label blanks =
        new Label(
            "",
            null,
            " ",
            "",
            new HashSet<>(Arrays.asList("", null)),
            new HashSet<>(Arrays.asList((String) null)),
            new HashSet<>(Arrays.asList((String) null)));

    for (Decision decision :
        List.of(
            ENGINE.decide(null, recipient("KOR", SECRET), NOW),
            ENGINE.decide(marked("KOR", "군사II급비밀", "KOR"), null, NOW),
            ENGINE.decide(marked("KOR", "군사II급비밀", "KOR"), recipient("KOR", SECRET), null),
            ENGINE.decide(nulls, new Recipient(null, null, null), NOW),
            ENGINE.decide(blanks, recipient("KOR", TOP_SECRET), NOW))) {
      assertThat(decision.permitted()).isFalse();
      assertThat(decision.reasons()).isNotEmpty();
    }
    assertThat(ENGINE.decide(blanks, recipient("KOR", TOP_SECRET), NOW).labelDefects())
        .contains(LabelDefect.MALFORMED);
  }

  private static Arguments permit(
      String name, Label label, Recipient recipient, String marking, String agreement) {
    return Arguments.of(name, label, recipient, marking, agreement, Set.of());
  }

  private static Arguments deny(String name, Label label, Recipient recipient, Reason... reasons) {
    Set<Reason> expected = Set.of(reasons);
    return Arguments.of(name, label, recipient, null, null, expected);
  }
}
