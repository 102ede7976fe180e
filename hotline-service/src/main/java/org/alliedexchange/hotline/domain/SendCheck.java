package org.alliedexchange.hotline.domain;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.Member;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.label.ProtoLabels;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.Label;
import org.alliedexchange.policy.LabelValidity;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Recipient;
import org.alliedexchange.policy.ReleasabilityEngine;

/**
 * Whether a message may be sent to a conference, decided before anything is stored or relayed: the
 * text, the precedence and the sender's right to it, the label's form and originator, the
 * conference's ceiling, and the releasability engine's decision for every member of every nation of
 * the conference. A message some party may not receive is refused for all, naming that party.
 */
public final class SendCheck {

  /** The longest text, in characters (code points). */
  public static final int MAX_TEXT = 16_384;

  /** A client's idempotency key: printable ASCII, stored and compared as text. */
  public static final Pattern SEND_KEY = Pattern.compile("[\\x21-\\x7e]{0,128}");

  private SendCheck() {}

  /** The sender as the check needs it. */
  public record Sender(String username, String nation, boolean principal) {}

  /**
   * Checks the text: 1 to {@link #MAX_TEXT} characters, no control character but line feed and tab,
   * no unpaired surrogate, no bidirectional override or isolate (which would show a reader text
   * other than what was sent), no noncharacter.
   */
  public static void checkText(String text) {
    if (text == null || text.isEmpty()) {
      throw invalid("text is required (1 to " + MAX_TEXT + " characters)");
    }
    int length = text.codePointCount(0, text.length());
    if (length > MAX_TEXT) {
      throw invalid("text has " + length + " characters; at most " + MAX_TEXT);
    }
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      if (c == '\n' || c == '\t') {
        i += Character.charCount(c);
        continue;
      }
      if (Character.getType(c) == Character.CONTROL) {
        throw invalid(String.format("text holds the control character U+%04X at %d", c, i));
      }
      // a code point, not a char: (char) of a supplementary character such as U+2D800 (a CJK
      // ideograph) would look like a surrogate
      if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
        throw invalid(String.format("text holds an unpaired surrogate at %d", i));
      }
      if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
        throw invalid(String.format("text holds the bidirectional control U+%04X at %d", c, i));
      }
      // U+FDD0..U+FDEF and the last two code points of every plane
      if ((c & 0xFFFE) == 0xFFFE || (c >= 0xFDD0 && c <= 0xFDEF)) {
        throw invalid(String.format("text holds the noncharacter U+%04X at %d", c, i));
      }
      i += Character.charCount(c);
    }
  }

  /** Checks the precedence: given, and FLASH OVERRIDE only from a principal. */
  public static void checkPrecedence(Precedence precedence, Sender sender) {
    if (precedence == null
        || precedence == Precedence.PRECEDENCE_UNSPECIFIED
        || precedence == Precedence.UNRECOGNIZED) {
      throw invalid(
          "precedence is required: ROUTINE, PRIORITY, IMMEDIATE, FLASH or FLASH_OVERRIDE");
    }
    if (precedence == Precedence.PRECEDENCE_FLASH_OVERRIDE && !sender.principal()) {
      throw new SendRefusal(
          SendRefusal.Kind.DENIED,
          "",
          "FLASH OVERRIDE is for principals only (role hotline-principal); "
              + sender.username()
              + " may send up to FLASH");
    }
  }

  /**
   * Checks the label and decides it for every member of the conference; returns its level.
   *
   * @throws SendRefusal INVALID for a malformed label, DENIED for another nation's, PRECONDITION
   *     naming the party when the level is above the ceiling or any member may not receive it
   */
  public static Level checkLabel(
      SecurityLabel label,
      Sender sender,
      Conference conference,
      ReleasabilityEngine engine,
      Instant now) {
    if (label == null || label.equals(SecurityLabel.getDefaultInstance())) {
      throw invalid("label is required");
    }
    if (label.hasRelease()) {
      throw invalid(
          "label.release is set by the gateway when it releases an item, never by a sender");
    }
    if (!label.getOriginator().equals(sender.nation())) {
      throw new SendRefusal(
          SendRefusal.Kind.DENIED,
          "",
          "the label's originator must be the sender's nation "
              + sender.nation()
              + ", not "
              + (label.getOriginator().isEmpty() ? "nobody" : label.getOriginator()));
    }
    Label domain = ProtoLabels.toDomain(label);
    LabelValidity validity = engine.validate(domain);
    if (!validity.valid()) {
      throw invalid("the label is invalid: " + validity.defects());
    }
    Level level = validity.level();
    Level ceiling = WireMapping.level(conference.getCeiling());
    if (ceiling == null || !ceiling.dominates(level)) {
      throw new SendRefusal(
          SendRefusal.Kind.PRECONDITION,
          "",
          "the label's level "
              + level
              + " is above the ceiling "
              + WireMapping.shortName(conference.getCeiling())
              + " of conference "
              + conference.getId()
              + ": no party receives it");
    }
    List<Member> members =
        conference.getMembersList().stream()
            .sorted(Comparator.comparing(Member::getNation).thenComparing(Member::getUsername))
            .toList();
    for (Member member : members) {
      Decision decision =
          engine.decide(
              domain,
              new Recipient(member.getNation(), WireMapping.level(member.getClearance()), Set.of()),
              now);
      if (!decision.permitted()) {
        throw new SendRefusal(
            SendRefusal.Kind.PRECONDITION,
            member.getNation(),
            "party "
                + member.getNation()
                + " may not receive it: "
                + member.getUsername()
                + " (clearance "
                + WireMapping.shortName(member.getClearance())
                + ") is refused "
                + decision.reasons()
                + "; nobody receives a message that some party may not");
      }
    }
    return level;
  }

  /** The label as the audit records it: as sent, without any release. */
  public static SecurityLabel auditable(SecurityLabel label) {
    return label.hasRelease() ? label.toBuilder().clearRelease().build() : label;
  }

  private static SendRefusal invalid(String message) {
    return new SendRefusal(SendRefusal.Kind.INVALID, "", message);
  }
}
