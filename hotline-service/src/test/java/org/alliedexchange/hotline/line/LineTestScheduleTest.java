package org.alliedexchange.hotline.line;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.hotline.domain.ConferenceBook;
import org.junit.jupiter.api.Test;

class LineTestScheduleTest {

  private final LineTestSchedule schedule = new LineTestSchedule(Duration.ofHours(1));
  private final ConferenceBook book = ConferenceBook.loadBuiltIn();

  @Test
  void eachPartyOfAConferenceSendsItsTestInTurnOnePerSlot() {
    Conference trilateral = book.find("JPN-KOR-USA").orElseThrow();
    long slot = schedule.slot(Instant.parse("2026-11-26T12:34:56Z"));
    List<String> senders = new ArrayList<>();
    for (long s = slot; s < slot + 6; s++) {
      senders.add(schedule.sender(trilateral, s));
    }
    assertThat(senders.subList(0, 3)).containsExactlyInAnyOrder("JPN", "KOR", "USA");
    assertThat(senders.subList(3, 6)).isEqualTo(senders.subList(0, 3));

    Conference pair = book.find("JPN-KOR").orElseThrow();
    assertThat(schedule.sender(pair, slot)).isNotEqualTo(schedule.sender(pair, slot + 1));
  }

  @Test
  void slotsAreTheIntervalCountedFromTheEpochSoEveryNodeAgrees() {
    Instant at = Instant.parse("2026-11-26T12:34:56Z");
    long slot = schedule.slot(at);
    assertThat(schedule.start(slot)).isEqualTo(Instant.parse("2026-11-26T12:00:00Z"));
    assertThat(schedule.slot(Instant.parse("2026-11-26T13:00:00Z"))).isEqualTo(slot + 1);
    assertThat(new LineTestSchedule(Duration.ofSeconds(5)).slot(at))
        .isEqualTo(at.getEpochSecond() / 5);
  }

  @Test
  void theTestTextHoldsEveryLetterAndDigitAndHangulAndKana() {
    String text = LineTestSchedule.text("KOR", "JPN-KOR-USA", 42);

    assertThat(text).startsWith("LINE TEST JPN-KOR-USA #42 FROM KOR: ");
    for (char c = 'A'; c <= 'Z'; c++) {
      assertThat(text).contains(String.valueOf(c));
      assertThat(text).contains(String.valueOf(Character.toLowerCase(c)));
    }
    for (char c = '0'; c <= '9'; c++) {
      assertThat(text).contains(String.valueOf(c));
    }
    // every basic Hangul consonant (the initial jamo of the syllables)
    String initials = "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎ";
    String hangulInitials = initials(text);
    for (char c : initials.toCharArray()) {
      assertThat(hangulInitials).as("initial %s", c).contains(String.valueOf(c));
    }
    // every hiragana and katakana of the iroha, each once
    assertThat(text.codePoints().filter(cp -> cp >= 0x3041 && cp <= 0x3096).distinct().count())
        .isEqualTo(47);
    assertThat(text.codePoints().filter(cp -> cp >= 0x30A1 && cp <= 0x30FA).distinct().count())
        .isEqualTo(47);
  }

  /** The initial consonant of each Hangul syllable, as a compatibility jamo. */
  private static String initials(String text) {
    String compat = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ";
    StringBuilder out = new StringBuilder();
    text.codePoints()
        .filter(cp -> cp >= 0xAC00 && cp <= 0xD7A3)
        .forEach(cp -> out.append(compat.charAt((cp - 0xAC00) / (21 * 28))));
    return out.toString();
  }

  @Test
  void aTestTextChangedOnTheWayIsFoundAtItsFirstChangedCharacter() {
    String sent = LineTestSchedule.text("JPN", "JPN-KOR", 7);
    assertThat(LineTestSchedule.firstChange(sent, "JPN", "JPN-KOR")).isEqualTo(-1);

    int hangul = sent.indexOf('다');
    String mangled = sent.substring(0, hangul) + "?" + sent.substring(hangul + 1);
    assertThat(LineTestSchedule.firstChange(mangled, "JPN", "JPN-KOR")).isEqualTo(hangul);
    assertThat(LineTestSchedule.firstChange(sent.toUpperCase(), "JPN", "JPN-KOR"))
        .isEqualTo(sent.indexOf("the quick"));
    assertThat(LineTestSchedule.firstChange(sent, "USA", "JPN-KOR")).isGreaterThan(0);
    assertThat(LineTestSchedule.firstChange("", "JPN", "JPN-KOR")).isEqualTo(0);
  }
}
