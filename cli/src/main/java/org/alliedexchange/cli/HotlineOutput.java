package org.alliedexchange.cli;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.Locale;
import java.util.stream.Collectors;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.alliedexchange.api.hotline.v1.Receipt;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * How `allied hotline` prints: one line per event, its kind first (MESSAGE, RECEIPT, LINK, ALARM),
 * enums without their prefixes, and whatever a peer wrote stripped of control characters, so that
 * no message can move the cursor or recolour an operator's terminal.
 */
final class HotlineOutput {

  private HotlineOutput() {}

  /** A watch event, ending with the cursor to resume after it. */
  static String event(WatchResponse event) {
    String line =
        switch (event.getEventCase()) {
          case MESSAGE -> message(event.getLabel(), event.getMessage());
          case RECEIPT -> receipt(event.getReceipt());
          case LINK -> link(event.getLink());
          case ALARM -> alarm(event.getAlarm());
          case EVENT_NOT_SET -> "EVENT (of a kind this command does not know)";
        };
    return event.getCursor().isEmpty() ? line : line + "  cursor " + safe(event.getCursor());
  }

  /** A message as released to the caller: precedence, exercise marks, delay, marking, text. */
  static String message(SecurityLabel label, HotlineMessage message) {
    StringBuilder line = new StringBuilder("MESSAGE  ").append(name(message.getPrecedence()));
    if (message.getType() == MessageType.MESSAGE_TYPE_EXERCISE
        || message.getType() == MessageType.MESSAGE_TYPE_DRILL) {
      line.append("  ").append(name(message.getType()));
    }
    if (message.getLineTest()) {
      line.append("  LINE TEST");
    }
    if (message.getDelayed()) {
      line.append(String.format(Locale.ROOT, "  DELAYED %.1f s", message.getDelayMs() / 1000.0));
    }
    return line.append("  ")
        .append(safe(message.getConference()))
        .append(" #")
        .append(message.getSerial())
        .append(" from ")
        .append(safe(message.getOrigin()))
        .append(' ')
        .append(safe(message.getSender()))
        .append("  ")
        .append(marking(label))
        .append("  id ")
        .append(safe(message.getId()))
        .append("  \"")
        .append(safe(message.getText()))
        .append('"')
        .toString();
  }

  /** The marking the caller sees: its own nation's, with the originator's beside it. */
  static String marking(SecurityLabel label) {
    if (!label.hasRelease()
        || (label.getRelease().getRecipientNation().equals(label.getOriginator())
            && label.getRelease().getMarking().equals(label.getMarking()))) {
      // the caller's own nation's message: its marking needs no translation
      return safe(label.getMarking());
    }
    return safe(label.getRelease().getMarking())
        + " ("
        + safe(label.getRelease().getRecipientNation())
        + " marking of "
        + safe(label.getOriginator())
        + " "
        + safe(label.getMarking())
        + ")";
  }

  static String receipt(Receipt receipt) {
    return "RECEIPT  "
        + safe(receipt.getMessageId())
        + "  "
        + safe(receipt.getParty())
        + "  "
        + name(receipt.getState())
        + (receipt.getBy().isEmpty() ? "" : "  by " + safe(receipt.getBy()))
        + (receipt.getReason().isEmpty() ? "" : "  reason " + safe(receipt.getReason()))
        + (receipt.hasAt() ? "  at " + instant(receipt.getAt()) : "");
  }

  static String link(PeerLink link) {
    return "LINK  "
        + safe(link.getPeer())
        + "  "
        + name(link.getState())
        + "  round trip "
        + (link.getLastRoundTripUs() == 0
            ? "none yet"
            : String.format(Locale.ROOT, "%.3f ms", link.getLastRoundTripUs() / 1000.0))
        + "  backlog "
        + link.getBacklog()
        + (link.hasLastAnswerAt() ? "  last answer " + instant(link.getLastAnswerAt()) : "");
  }

  static String alarm(Alarm alarm) {
    StringBuilder line =
        new StringBuilder("ALARM  ")
            .append(safe(alarm.getId()))
            .append("  ")
            .append(name(alarm.getKind()))
            .append("  level ")
            .append(name(alarm.getLevel()));
    if (!alarm.getConference().isEmpty()) {
      line.append("  conference ").append(safe(alarm.getConference()));
    }
    if (!alarm.getMessageId().isEmpty()) {
      line.append("  message ").append(safe(alarm.getMessageId()));
    }
    if (!alarm.getPeer().isEmpty()) {
      line.append("  peer ").append(safe(alarm.getPeer()));
    }
    line.append("  repeats ").append(alarm.getRepeats());
    line.append(
        alarm.getAcknowledgedBy().isEmpty()
            ? "  OPEN"
            : "  acknowledged by " + safe(alarm.getAcknowledgedBy()));
    if (!alarm.getDetail().isEmpty()) {
      line.append("  \"").append(safe(alarm.getDetail())).append('"');
    }
    return line.toString();
  }

  static String conference(Conference conference) {
    return safe(conference.getId())
        + "  nations "
        + conference.getNationsList().stream()
            .map(HotlineOutput::safe)
            .collect(Collectors.joining(","))
        + "  ceiling "
        + name(conference.getCeiling())
        + "  members "
        + conference.getMembersList().stream()
            .map(
                m ->
                    safe(m.getUsername())
                        + " ("
                        + safe(m.getNation())
                        + " "
                        + name(m.getRole()).toLowerCase(Locale.ROOT).replace('_', ' ')
                        + ", "
                        + name(m.getClearance())
                        + ")")
            .collect(Collectors.joining(", "));
  }

  /** An enum constant without its type's prefix: PRECEDENCE_FLASH -> FLASH. */
  static String name(Enum<?> value) {
    String constant = value.name();
    // ReceiptState -> RECEIPT_STATE_
    String prefix =
        value
                .getDeclaringClass()
                .getSimpleName()
                .replaceAll("([a-z])([A-Z])", "$1_$2")
                .toUpperCase(Locale.ROOT)
            + "_";
    return constant.startsWith(prefix) ? constant.substring(prefix.length()) : constant;
  }

  /**
   * Text from elsewhere, with every control character (escape sequences, newlines) made visible.
   */
  static String safe(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length());
    text.codePoints()
        .forEach(
            c -> {
              if (c == '\n') {
                out.append("\\n");
              } else if (Character.isISOControl(c)
                  || Character.getType(c) == Character.FORMAT
                  || (c >= 0x2028 && c <= 0x2029)) {
                out.append(String.format(Locale.ROOT, "\\u%04x", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.toString();
  }

  private static String instant(Timestamp at) {
    return Instant.ofEpochSecond(at.getSeconds(), at.getNanos()).toString();
  }
}
