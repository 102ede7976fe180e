package org.alliedexchange.cli;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.Label;
import org.alliedexchange.policy.LabelDefect;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Reason;
import org.alliedexchange.policy.Recipient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON shape of a decision request and its answer, as `allied policy decide` reads and prints
 * them. The shape is strict (an unknown key is an error, so a typo never silently drops a
 * restriction); the values are not: an unknown nation, marking, level or clearance is the engine's
 * to deny.
 */
final class DecisionJson {

  /** One question for the engine. */
  record Request(Label label, Recipient recipient, Instant at) {}

  private static final Set<String> REQUEST_KEYS = Set.of("label", "recipient", "at");
  private static final Set<String> LABEL_KEYS =
      Set.of("policy", "marking", "level", "originator", "releasableTo", "communities", "controls");
  private static final Set<String> RECIPIENT_KEYS = Set.of("nation", "clearance", "communities");

  private DecisionJson() {}

  static Request request(JsonNode node, String at, Instant now) throws MalformedInputException {
    requireObject(node, at, REQUEST_KEYS);
    JsonNode label = node.get("label");
    JsonNode recipient = node.get("recipient");
    if (label == null) {
      throw new MalformedInputException(at + ": `label` is required");
    }
    if (recipient == null) {
      throw new MalformedInputException(at + ": `recipient` is required");
    }
    return new Request(
        label(label, at + ".label"),
        recipient(recipient, at + ".recipient"),
        instant(node.get("at"), at + ".at", now));
  }

  private static Label label(JsonNode node, String at) throws MalformedInputException {
    requireObject(node, at, LABEL_KEYS);
    String levelName = string(node, "level", at);
    Level level = Level.parse(levelName);
    return new Label(
        string(node, "policy", at),
        level,
        string(node, "marking", at),
        string(node, "originator", at),
        strings(node, "releasableTo", at),
        strings(node, "communities", at),
        strings(node, "controls", at),
        levelName != null && level == null);
  }

  private static Recipient recipient(JsonNode node, String at) throws MalformedInputException {
    requireObject(node, at, RECIPIENT_KEYS);
    // an unknown clearance reaches the engine as none, which denies
    return new Recipient(
        string(node, "nation", at),
        Level.parse(string(node, "clearance", at)),
        strings(node, "communities", at));
  }

  private static Instant instant(JsonNode node, String at, Instant now)
      throws MalformedInputException {
    if (node == null || node.isNull()) {
      return now;
    }
    if (!node.isString()) {
      throw new MalformedInputException(
          at + ": expected an ISO-8601 instant such as \"2026-01-01T00:00:00Z\"");
    }
    try {
      return OffsetDateTime.parse(node.stringValue()).toInstant();
    } catch (DateTimeParseException e) {
      throw new MalformedInputException(
          at
              + ": \""
              + node.stringValue()
              + "\" is not an ISO-8601 instant with an offset, such as \"2026-01-01T00:00:00Z\"");
    }
  }

  private static void requireObject(JsonNode node, String at, Set<String> keys)
      throws MalformedInputException {
    if (node == null || !node.isObject()) {
      throw new MalformedInputException(at + ": expected an object");
    }
    for (String key : node.propertyNames()) {
      if (!keys.contains(key)) {
        throw new MalformedInputException(
            at + "." + key + ": unknown key; expected one of " + new TreeSet<>(keys));
      }
    }
  }

  private static String string(JsonNode node, String key, String at)
      throws MalformedInputException {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isString()) {
      throw new MalformedInputException(at + "." + key + ": expected a string");
    }
    return value.stringValue();
  }

  private static Set<String> strings(JsonNode node, String key, String at)
      throws MalformedInputException {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return Set.of();
    }
    if (!value.isArray()) {
      throw new MalformedInputException(at + "." + key + ": expected an array of strings");
    }
    Set<String> values = new LinkedHashSet<>();
    for (int i = 0; i < value.size(); i++) {
      if (!value.get(i).isString()) {
        throw new MalformedInputException(at + "." + key + "[" + i + "]: expected a string");
      }
      values.add(value.get(i).stringValue());
    }
    return values;
  }

  /**
   * {"decision":"PERMIT","reasons":[],"marking":"極秘","agreement":"..."} or
   * {"decision":"DENY","reasons":[...]}.
   */
  static ObjectNode answer(Decision decision) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("decision", decision.outcome());
    ArrayNode reasons = out.putArray("reasons");
    for (Reason reason : decision.reasons()) {
      reasons.add(reason.name());
    }
    if (decision.permitted()) {
      out.put("marking", decision.marking());
      out.put("agreement", decision.agreementId());
    } else if (!decision.labelDefects().isEmpty()) {
      ArrayNode defects = out.putArray("labelDefects");
      for (LabelDefect defect : decision.labelDefects()) {
        defects.add(defect.name());
      }
    }
    return out;
  }
}
