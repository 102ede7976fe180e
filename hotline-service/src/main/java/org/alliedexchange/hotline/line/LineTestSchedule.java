package org.alliedexchange.hotline.line;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.alliedexchange.api.hotline.v1.Conference;

/**
 * Who sends which line test, like the Washington–Moscow link's sides in turn. Time is cut into
 * slots of {@code testInterval}, counted from the epoch; in slot {@code n} the test of a conference
 * is sent by its nations (alphabetical) at {@code n mod count}. So every conference gets one test
 * per slot, each party sends in its turn, and the nodes agree on it from their clocks alone,
 * without a word between them. A test goes out as its slot begins (a node that is down then sends
 * it when it returns within test-ack-within, else leaves that slot out).
 */
public final class LineTestSchedule {

  /**
   * The first test text of the Washington–Moscow link (every Latin letter and digit), in lower case
   * too, and Hangul and kana pangrams, so the whole character path is checked: the Hangul syllables
   * start with every basic consonant in order before the Korean pangram, the iroha every kana once.
   */
  static final String PANGRAMS =
      "THE QUICK BROWN FOX JUMPED OVER THE LAZY DOG'S BACK 1234567890"
          + " / the quick brown fox jumped over the lazy dog's back"
          + " / 가나다라마바사아자차카타파하 다람쥐 헌 쳇바퀴에 타고파"
          + " / いろはにほへと ちりぬるを わかよたれそ つねならむ うゐのおくやま けふこえて あさきゆめみし ゑひもせす"
          + " / イロハニホヘト チリヌルヲ ワカヨタレソ ツネナラム ウヰノオクヤマ ケフコエテ アサキユメミシ ヱヒモセス";

  private final Duration testInterval;

  public LineTestSchedule(Duration testInterval) {
    this.testInterval = testInterval;
  }

  /** The slot an instant falls in. */
  public long slot(Instant at) {
    return Math.floorDiv(at.toEpochMilli(), testInterval.toMillis());
  }

  /** When a slot begins. */
  public Instant start(long slot) {
    return Instant.ofEpochMilli(slot * testInterval.toMillis());
  }

  /** The nation that sends the conference's test in a slot. */
  public String sender(Conference conference, long slot) {
    List<String> nations = conference.getNationsList().stream().sorted().toList();
    return nations.get((int) Math.floorMod(slot, (long) nations.size()));
  }

  /**
   * Where a received test text differs from what its sender sends, or -1 when it arrived intact:
   * the index of the first character changed on the way.
   */
  public static int firstChange(String received, String sender, String conference) {
    String prefix = "LINE TEST " + conference + " #";
    String suffix = " FROM " + sender + ": " + PANGRAMS;
    if (!received.startsWith(prefix)) {
      return mismatch(received, prefix, 0);
    }
    int digits = prefix.length();
    while (digits < received.length() && Character.isDigit(received.charAt(digits))) {
      digits++;
    }
    if (digits == prefix.length()) {
      return digits;
    }
    String rest = received.substring(digits);
    return rest.equals(suffix) ? -1 : digits + mismatch(rest, suffix, 0);
  }

  private static int mismatch(String actual, String expected, int from) {
    int i = from;
    while (i < actual.length() && i < expected.length() && actual.charAt(i) == expected.charAt(i)) {
      i++;
    }
    return i;
  }

  /** The test text a node sends in a slot. */
  public static String text(String sender, String conference, long slot) {
    return "LINE TEST " + conference + " #" + slot + " FROM " + sender + ": " + PANGRAMS;
  }
}
