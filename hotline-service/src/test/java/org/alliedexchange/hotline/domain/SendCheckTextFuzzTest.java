package org.alliedexchange.hotline.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.hotline.FuzzRuns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Send check's text rules on any text a sender (or a lying peer's relayed message) could carry:
 * {@link SendCheck#checkText} accepts exactly the texts the rules allow and refuses every other
 * INVALID, naming the first character at fault where it is, and throws nothing else. The rules are
 * written out again here, code point by code point, as the reference.
 *
 * <p>An input builds a text from pieces: any UTF-16 unit (lone surrogates too), any code point,
 * runs of one repeated to pass the length limit.
 */
class SendCheckTextFuzzTest {

  private static final AtomicLong INPUTS = new AtomicLong();

  @FuzzTest
  @Timeout(10)
  void acceptsExactlyWhatTheRulesAllow(FuzzedDataProvider data) {
    INPUTS.incrementAndGet();
    String text = text(data);
    Optional<String> fault = fault(text);
    if (fault.isEmpty()) {
      assertThatCode(() -> SendCheck.checkText(text))
          .as("a text the rules allow")
          .doesNotThrowAnyException();
      return;
    }
    assertThatThrownBy(() -> SendCheck.checkText(text))
        .isInstanceOfSatisfying(
            SendRefusal.class,
            refusal -> {
              assertThat(refusal.kind()).isEqualTo(SendRefusal.Kind.INVALID);
              assertThat(refusal.getMessage()).startsWith(fault.get());
            });
  }

  @Test
  void aSupplementaryCharacterIsNotTakenForASurrogate() {
    // U+2D800, a CJK ideograph of Extension F, and U+1D800, SignWriting: (char) of either is a
    // surrogate, which the check once refused them as
    SendCheck.checkText("漢字 " + Character.toString(0x2D800) + Character.toString(0x1D800));
    assertThatThrownBy(() -> SendCheck.checkText("a\uD800b"))
        .hasMessage("text holds an unpaired surrogate at 1");
    assertThatThrownBy(() -> SendCheck.checkText("a" + Character.toString(0x1FFFE)))
        .hasMessage("text holds the noncharacter U+1FFFE at 1");
  }

  @AfterAll
  static void theFuzzerRan() {
    FuzzRuns.assertRan(INPUTS.get());
  }

  private static String text(FuzzedDataProvider data) {
    StringBuilder text = new StringBuilder();
    while (data.remainingBytes() > 0 && text.length() < 3 * SendCheck.MAX_TEXT) {
      switch (data.consumeInt(0, 3)) {
        case 0 -> text.append(data.consumeChar());
        case 1 -> text.appendCodePoint(data.consumeInt(0, Character.MAX_CODE_POINT));
        case 2 -> text.append(data.consumeString(16));
        default -> {
          int codePoint = data.consumeInt(0x20, 0xFFFF);
          if (codePoint < Character.MIN_SURROGATE || codePoint > Character.MAX_SURROGATE) {
            text.append(Character.toString(codePoint).repeat(data.consumeInt(1, 20_000)));
          }
        }
      }
    }
    return text.toString();
  }

  /** The rules: the start of the refusal the text earns, or empty when it is allowed. */
  static Optional<String> fault(String text) {
    if (text.isEmpty()) {
      return Optional.of("text is required");
    }
    int characters = text.codePointCount(0, text.length());
    if (characters > SendCheck.MAX_TEXT) {
      return Optional.of("text has " + characters + " characters");
    }
    for (int i = 0; i < text.length(); ) {
      char unit = text.charAt(i);
      int c;
      if (Character.isHighSurrogate(unit)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        c = Character.toCodePoint(unit, text.charAt(i + 1));
      } else if (Character.isSurrogate(unit)) {
        return Optional.of("text holds an unpaired surrogate at " + i);
      } else {
        c = unit;
      }
      if (c != '\n' && c != '\t' && Character.getType(c) == Character.CONTROL) {
        return Optional.of("text holds the control character " + at(c, i));
      }
      if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
        return Optional.of("text holds the bidirectional control " + at(c, i));
      }
      if ((c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFF) >= 0xFFFE) {
        return Optional.of("text holds the noncharacter " + at(c, i));
      }
      i += Character.charCount(c);
    }
    return Optional.empty();
  }

  private static String at(int codePoint, int index) {
    return String.format("U+%04X at %d", codePoint, index);
  }
}
