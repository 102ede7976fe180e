package org.alliedexchange.hotline.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.MemberRole;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.junit.jupiter.api.Test;

class ConferenceBookTest {

  @Test
  void theBuiltInConferencesAreTheTrilateralAndTheThreePairs() {
    ConferenceBook book = ConferenceBook.loadBuiltIn();
    assertThat(book.all())
        .extracting(Conference::getId)
        .containsExactly("JPN-KOR-USA", "JPN-KOR", "JPN-USA", "KOR-USA");
    Conference trilateral = book.find("JPN-KOR-USA").orElseThrow();
    assertThat(trilateral.getCeiling()).isEqualTo(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET);
    assertThat(trilateral.getMembersCount()).isEqualTo(9);
    assertThat(ConferenceBook.member(trilateral, "usa-watch-officer").orElseThrow().getRole())
        .isEqualTo(MemberRole.MEMBER_ROLE_WATCH_OFFICER);
    assertThat(book.ofNation("JPN")).hasSize(3);
  }

  @Test
  void aWrongFileIsRefusedNamingTheEntry() {
    assertThatThrownBy(
            () ->
                ConferenceBook.parse(
                    """
                    {"conferences": [{"id": "KOR-USA", "nations": ["KOR", "USA"],
                      "ceiling": "SECRET", "members": [
                        {"username": "kor-principal", "nation": "JPN", "role": "PRINCIPAL",
                         "clearance": "TOP_SECRET"}]}]}
                    """))
        .hasMessage("conferences[0].members[0].nation: JPN is not a nation of KOR-USA");
    assertThatThrownBy(
            () ->
                ConferenceBook.parse(
                    """
                    {"conferences": [{"id": "KOR", "nations": ["KOR"], "ceiling": "SECRET",
                      "members": []}]}
                    """))
        .hasMessage("conferences[0].nations: a conference has two or three nations");
  }
}
