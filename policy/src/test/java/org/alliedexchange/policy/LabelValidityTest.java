package org.alliedexchange.policy;

import static org.alliedexchange.policy.Labels.leveled;
import static org.alliedexchange.policy.Labels.marked;
import static org.alliedexchange.policy.Labels.withCommunities;
import static org.alliedexchange.policy.Labels.withControls;
import static org.assertj.core.api.Assertions.assertThat;

import java.text.Normalizer;
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

/**
 * {@link ReleasabilityEngine#validate}: a label's validity on its own, the same as every decision
 * on it says.
 */
class LabelValidityTest {

  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final ReleasabilityEngine ENGINE = new ReleasabilityEngine(FederationConfig.loadDefault());

  @Test
  void aWellFormedLabelIsValidAtItsLevel() {
    LabelValidity validity = ENGINE.validate(marked("KOR", "군사II급비밀", "KOR", "JPN"));

    assertThat(validity.valid()).isTrue();
    assertThat(validity.reasons()).isEmpty();
    assertThat(validity.defects()).isEmpty();
    assertThat(validity.level()).isEqualTo(Level.SECRET);
  }

  @Test
  void aLevelOnlyLabelIsValidAtThatLevel() {
    LabelValidity validity =
        ENGINE.validate(withControls(leveled("USA", Level.TOP_SECRET, "USA"), Label.ORCON));

    assertThat(validity.valid()).isTrue();
    assertThat(validity.level()).isEqualTo(Level.TOP_SECRET);
  }

  @Test
  void noLabelIsMalformed() {
    LabelValidity validity = ENGINE.validate(null);

    assertThat(validity.reasons()).containsExactly(Reason.LABEL_INVALID);
    assertThat(validity.defects()).containsExactly(LabelDefect.MALFORMED);
    assertThat(validity.level()).isNull();
  }

  /** name, label, the defects it has. */
  static Stream<Arguments> invalidShapes() {
    return Stream.of(
        invalid(
            "a policy nation outside the configuration",
            leveled("XXX", Level.SECRET, "XXX"),
            LabelDefect.UNKNOWN_POLICY,
            LabelDefect.UNKNOWN_NATION),
        invalid(
            "a level off the common scale",
            new Label("KOR", null, null, "KOR", Set.of("KOR"), Set.of(), Set.of(), true),
            LabelDefect.UNKNOWN_LEVEL),
        invalid(
            "neither marking nor level",
            new Label("KOR", null, null, "KOR", Set.of("KOR"), Set.of(), Set.of()),
            LabelDefect.MISSING_CLASSIFICATION),
        invalid(
            "a marking of no nation",
            marked("KOR", "VERY SECRET", "KOR"),
            LabelDefect.UNKNOWN_MARKING),
        invalid(
            "another nation's marking",
            marked("KOR", "SECRET", "KOR"),
            LabelDefect.MARKING_NOT_OF_POLICY),
        invalid(
            "marking and level disagree",
            new Label(
                "KOR", Level.CONFIDENTIAL, "군사II급비밀", "KOR", Set.of("KOR"), Set.of(), Set.of()),
            LabelDefect.MARKING_LEVEL_MISMATCH),
        invalid(
            "a level the policy nation has no marking at",
            leveled("JPN", Level.RESTRICTED, "JPN"),
            LabelDefect.MARKING_LEVEL_MISMATCH),
        invalid(
            "an originator other than the policy nation",
            new Label("KOR", null, "군사II급비밀", "JPN", Set.of("KOR", "JPN"), Set.of(), Set.of()),
            LabelDefect.ORIGINATOR_NOT_POLICY),
        invalid(
            "no originator",
            new Label("KOR", null, "군사II급비밀", null, Set.of("KOR"), Set.of(), Set.of()),
            LabelDefect.ORIGINATOR_NOT_POLICY,
            LabelDefect.ORIGINATOR_NOT_RELEASABLE),
        invalid(
            "the originator missing from releasable-to",
            marked("KOR", "군사II급비밀", "JPN"),
            LabelDefect.ORIGINATOR_NOT_RELEASABLE),
        invalid(
            "no nation at all in releasable-to",
            marked("KOR", "군사II급비밀"),
            LabelDefect.ORIGINATOR_NOT_RELEASABLE),
        invalid(
            "an empty nation in releasable-to",
            marked("KOR", "군사II급비밀", "KOR", ""),
            LabelDefect.MALFORMED),
        invalid(
            "a null nation in releasable-to",
            new Label(
                "KOR",
                null,
                "군사II급비밀",
                "KOR",
                new HashSet<>(Arrays.asList("KOR", null)),
                Set.of(),
                Set.of()),
            LabelDefect.MALFORMED),
        invalid(
            "a blank community",
            withCommunities(marked("KOR", "군사II급비밀", "KOR"), " "),
            LabelDefect.MALFORMED),
        invalid(
            "a blank control, which is no control the engine knows",
            withControls(marked("KOR", "군사II급비밀", "KOR"), ""),
            LabelDefect.MALFORMED,
            LabelDefect.UNKNOWN_CONTROL),
        invalid(
            "NOFORN released abroad",
            withControls(marked("USA", "SECRET", "USA", "KOR"), Label.NOFORN),
            LabelDefect.NOFORN_WITH_FOREIGN_RELEASE),
        invalid(
            "a control the engine does not know",
            withControls(marked("USA", "SECRET", "USA"), "EYES ONLY"),
            LabelDefect.UNKNOWN_CONTROL),
        // odd Unicode: markings are compared as written, never normalised or trimmed into another
        // marking
        invalid(
            "a marking with a zero-width space inside",
            marked("KOR", "군사II급\u200B비밀", "KOR"),
            LabelDefect.UNKNOWN_MARKING),
        invalid(
            "a marking in decomposed Hangul",
            marked("KOR", Normalizer.normalize("군사II급비밀", Normalizer.Form.NFD), "KOR"),
            LabelDefect.UNKNOWN_MARKING),
        invalid(
            "a marking in full-width Latin letters",
            marked("USA", "ＳＥＣＲＥＴ", "USA"),
            LabelDefect.UNKNOWN_MARKING),
        invalid(
            "a policy nation in Cyrillic look-alikes",
            leveled("КОR", Level.SECRET, "КОR"),
            LabelDefect.UNKNOWN_POLICY,
            LabelDefect.UNKNOWN_NATION),
        invalid(
            "a NUL for a nation in releasable-to",
            marked("KOR", "군사II급비밀", "KOR", "\u0000"),
            LabelDefect.UNKNOWN_NATION),
        invalid(
            "a nation outside the federation in releasable-to",
            marked("KOR", "군사II급비밀", "KOR", "GBR"),
            LabelDefect.UNKNOWN_NATION),
        invalid(
            "a lower-case community",
            withCommunities(marked("KOR", "군사II급비밀", "KOR"), "missile_warning"),
            LabelDefect.MALFORMED_COMMUNITY),
        invalid(
            "a community of 65 characters",
            withCommunities(marked("KOR", "군사II급비밀", "KOR"), "A".repeat(65)),
            LabelDefect.MALFORMED_COMMUNITY),
        invalid(
            "fields the schema does not know",
            new Label(
                "KOR", null, "군사II급비밀", "KOR", Set.of("KOR"), Set.of(), Set.of(), false, true),
            LabelDefect.UNINTERPRETED_FIELDS),
        invalid(
            "a marking of only an ideographic space",
            new Label("KOR", null, "\u3000", "KOR", Set.of("KOR"), Set.of(), Set.of()),
            LabelDefect.MISSING_CLASSIFICATION),
        invalid(
            "a community of only an em space",
            withCommunities(marked("KOR", "군사II급비밀", "KOR"), "\u2003"),
            LabelDefect.MALFORMED),
        invalid(
            "every defect of the provenance at once",
            new Label(
                "KOR",
                null,
                "군사II급비밀",
                "USA",
                Set.of("JPN", ""),
                Set.of(),
                Set.of(Label.NOFORN, "REL TO")),
            LabelDefect.ORIGINATOR_NOT_POLICY,
            LabelDefect.ORIGINATOR_NOT_RELEASABLE,
            LabelDefect.MALFORMED,
            LabelDefect.NOFORN_WITH_FOREIGN_RELEASE,
            LabelDefect.UNKNOWN_CONTROL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidShapes")
  void anInvalidLabelSaysHow(String name, Label label, Set<LabelDefect> defects) {
    LabelValidity validity = ENGINE.validate(label);

    assertThat(validity.valid()).isFalse();
    assertThat(validity.reasons()).containsExactly(Reason.LABEL_INVALID);
    assertThat(validity.defects()).containsExactlyInAnyOrderElementsOf(defects);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidShapes")
  void everyDecisionOnAnInvalidLabelSaysTheSame(
      String name, Label label, Set<LabelDefect> defects) {
    LabelValidity validity = ENGINE.validate(label);

    for (Recipient recipient :
        List.of(
            new Recipient("KOR", Level.TOP_SECRET, Set.of()),
            new Recipient("USA", Level.SECRET, Set.of()))) {
      Decision decision = ENGINE.decide(label, recipient, NOW);
      assertThat(decision.permitted()).isFalse();
      assertThat(decision.reasons()).contains(Reason.LABEL_INVALID);
      assertThat(decision.labelDefects()).isEqualTo(validity.defects());
      assertThat(decision.level()).isEqualTo(validity.level());
    }
  }

  @Test
  void oddUnicodeThatIsNotBlankIsNoNationAndNoCommunity() {
    // a no-break space is not blank, and it is no nation of the federation either
    assertThat(ENGINE.validate(marked("KOR", "군사II급비밀", "KOR", "\u00A0")).defects())
        .containsExactly(LabelDefect.UNKNOWN_NATION);
    assertThat(
            ENGINE
                .validate(withCommunities(marked("JPN", "極秘", "JPN"), "ミサイル", "\u200B"))
                .defects())
        .containsExactly(LabelDefect.MALFORMED_COMMUNITY);
    assertThat(
            ENGINE
                .validate(
                    withCommunities(marked("JPN", "極秘", "JPN"), "MISSILE_WARNING", "SIGINT.2"))
                .valid())
        .isTrue();
  }

  @Test
  void duplicateNationsCountOnce() {
    Label label =
        new Label(
            "KOR",
            null,
            "군사II급비밀",
            "KOR",
            new HashSet<>(List.of("KOR", "JPN", "KOR", "JPN")),
            Set.of(),
            Set.of());

    assertThat(label.releasableTo()).containsExactlyInAnyOrder("KOR", "JPN");
    assertThat(ENGINE.validate(label).valid()).isTrue();
  }

  private static Arguments invalid(String name, Label label, LabelDefect... defects) {
    return Arguments.of(name, label, Set.of(defects));
  }
}
