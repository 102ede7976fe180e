package org.alliedexchange.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.policy.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which relationships an auditor of a nation reads, what a relationship name is, and what of a
 * record is read whole.
 */
class AuditorScopeTest {

  private final AuditorScope korea = AuditorScope.of("kor-auditor", "KOR", Level.SECRET);

  @ParameterizedTest
  @ValueSource(strings = {"JPN-KOR", "KOR-USA", "KOR"})
  void anAuditorReadsTheRelationshipsItsNationIsPartyToAndItsOwnChain(String relationship) {
    assertThat(korea.relationship(relationship)).isEqualTo(relationship);
    assertThat(korea.covers(relationship)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"JPN-USA", "USA", "JPN", "AUS-NZL"})
  void anotherNationsRelationshipIsOutOfScope(String relationship) {
    assertThatThrownBy(() -> korea.relationship(relationship))
        .isInstanceOf(AuditorScope.Refused.class)
        .hasMessage(
            "an auditor of KOR reads only the relationships KOR is party to, not " + relationship)
        .extracting(e -> ((AuditorScope.Refused) e).why())
        .isEqualTo(AuditorScope.Refused.Why.OUT_OF_SCOPE);
    assertThat(korea.covers(relationship)).isFalse();
  }

  @Test
  void aRelationshipMustBeNamed() {
    assertThatThrownBy(() -> korea.relationship(""))
        .isInstanceOf(AuditorScope.Refused.class)
        .hasMessage("name a relationship, like KOR-USA or KOR")
        .extracting(e -> ((AuditorScope.Refused) e).why())
        .isEqualTo(AuditorScope.Refused.Why.MALFORMED);
    assertThatThrownBy(() -> korea.relationship(null)).isInstanceOf(AuditorScope.Refused.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"KOR-JPN", "USA-KOR", "KOR-KOR"})
  void theNationsOfARelationshipAreNamedOnceInAlphabeticalOrder(String relationship) {
    String[] nations = relationship.split("-");
    assertThatThrownBy(() -> korea.relationship(relationship))
        .isInstanceOf(AuditorScope.Refused.class)
        .hasMessage(
            "name the nations of a relationship in alphabetical order: "
                + Relationships.between(nations[0], nations[1])
                + ", not "
                + relationship)
        .extracting(e -> ((AuditorScope.Refused) e).why())
        .isEqualTo(AuditorScope.Refused.Why.MALFORMED);
    // even where its nation is party, a misspelt name is read by no one
    assertThat(korea.covers(relationship)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "kor",
        "jpn-kor",
        "Jpn-Kor",
        "JPN-kor", // case
        "KO",
        "KORE",
        "JPN-KOR-USA",
        "JPN-",
        "-KOR",
        "JPN--KOR",
        "JPN_KOR",
        "JPN KOR",
        " KOR",
        "KOR ",
        "KOR\n",
        "KOR:1",
        "*",
        "ＫＯＲ", // full-width capitals
        "JPN–KOR",
        "JPN−KOR", // en dash, minus sign
        "КОR", // Cyrillic К and О
        "KÖR",
        "KOR\u0301",
        "K\u200BOR",
        "\uFEFFKOR"
      }) // diacritic, combining accent, zero-width space, byte-order mark
  void aNameThatIsNotThreeAsciiCapitalsOrTwoJoinedByAHyphenIsMalformed(String relationship) {
    assertThatThrownBy(() -> korea.relationship(relationship))
        .isInstanceOf(AuditorScope.Refused.class)
        .hasMessage(
            "a relationship is one nation (KOR) or two in alphabetical order (JPN-KOR), not "
                + relationship)
        .extracting(e -> ((AuditorScope.Refused) e).why())
        .isEqualTo(AuditorScope.Refused.Why.MALFORMED);
    assertThat(korea.covers(relationship)).isFalse();
    assertThat(AuditorScope.parties(relationship)).isEmpty();
  }

  @Test
  void everyNationsAuditorReadsTheFederationChainOfRealmWideChanges() {
    for (String nation : List.of("JPN", "KOR", "USA")) {
      AuditorScope auditor =
          AuditorScope.of(nation.toLowerCase() + "-auditor", nation, Level.SECRET);

      assertThat(auditor.covers("FEDERATION")).isTrue();
      assertThat(auditor.relationship("FEDERATION")).isEqualTo("FEDERATION");
      assertThat(auditor.visible(List.of("FEDERATION", "JPN-KOR", "UNKNOWN")))
          .contains("FEDERATION")
          .doesNotContain("UNKNOWN");
    }
  }

  @Test
  void aRelationshipNamesItsParties() {
    assertThat(AuditorScope.parties("JPN-KOR")).containsExactly("JPN", "KOR");
    assertThat(AuditorScope.parties("KOR")).containsExactly("KOR");
    assertThat(AuditorScope.parties("KOR-JPN")).isEmpty();
    assertThat(AuditorScope.parties(null)).isEmpty();
  }

  @Test
  void ofTheLogsRelationshipsAnAuditorSeesItsOwnAndElseItsNationsChain() {
    assertThat(korea.visible(List.of("JPN-KOR", "JPN-USA", "KOR", "KOR-USA", "USA", "UNKNOWN")))
        .containsExactly("JPN-KOR", "KOR", "KOR-USA");
    assertThat(
            AuditorScope.of("nzl-auditor", "NZL", Level.SECRET)
                .visible(List.of("JPN-KOR", "UNKNOWN")))
        .containsExactly("NZL");
    assertThat(korea.visible(List.of())).containsExactly("KOR");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "kor", "KO", "KOR-JPN", "ＫＯＲ", "UNKNOWN"})
  void anAuditorWithoutANationHasNoScope(String nation) {
    assertThatThrownBy(() -> AuditorScope.of("someone", nation, Level.SECRET))
        .isInstanceOf(AuditorScope.Refused.class)
        .hasMessage("someone has no nation, so no relationship of its own to audit")
        .extracting(e -> ((AuditorScope.Refused) e).why())
        .isEqualTo(AuditorScope.Refused.Why.OUT_OF_SCOPE);
  }

  @Test
  void anAuditorWithANullNationHasNoScope() {
    assertThatThrownBy(() -> AuditorScope.of("someone", null, Level.SECRET))
        .isInstanceOf(AuditorScope.Refused.class)
        .extracting(e -> ((AuditorScope.Refused) e).why())
        .isEqualTo(AuditorScope.Refused.Why.OUT_OF_SCOPE);
  }

  private static SecurityLabel label(ClassificationLevel level, String marking) {
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setOriginator("KOR")
        .addReleasableTo("KOR")
        .setLevel(level)
        .setMarking(marking)
        .build();
  }

  @Test
  void aRecordIsReadWholeUpToTheAuditorsClearanceAndAsItsChainLinkAbove() {
    assertThat(korea.readsWhole(label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀")))
        .isTrue();
    assertThat(korea.readsWhole(label(ClassificationLevel.CLASSIFICATION_LEVEL_UNCLASSIFIED, "일반")))
        .isTrue();
    assertThat(
            korea.readsWhole(label(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET, "군사I급비밀")))
        .isFalse();
    assertThat(
            AuditorScope.of("kor-auditor", "KOR", Level.TOP_SECRET)
                .readsWhole(label(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET, "군사I급비밀")))
        .isTrue();
  }

  @Test
  void aRecordWhoseLabelCannotBeReadOrWithoutAClearanceIsReadAsItsLinkOnly() {
    // a level the nation's scheme does not mark comes without a marking
    assertThat(korea.readsWhole(label(ClassificationLevel.CLASSIFICATION_LEVEL_RESTRICTED, "")))
        .isFalse();
    assertThat(korea.readsWhole(label(ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED, "일반")))
        .isFalse();
    assertThat(
            korea.readsWhole(
                label(ClassificationLevel.CLASSIFICATION_LEVEL_UNCLASSIFIED, "일반").toBuilder()
                    .setLevelValue(99)
                    .build()))
        .isFalse();
    assertThat(
            AuditorScope.of("kor-auditor", "KOR", null)
                .readsWhole(label(ClassificationLevel.CLASSIFICATION_LEVEL_UNCLASSIFIED, "일반")))
        .isFalse();
  }
}
