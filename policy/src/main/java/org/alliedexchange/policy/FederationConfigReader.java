package org.alliedexchange.policy;

import static org.alliedexchange.policy.FederationConfig.YAML;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Checks a federation configuration entry by entry while building it, keeping the path of the entry
 * being read for error messages.
 */
final class FederationConfigReader {

  private static final Pattern NATION_CODE = Pattern.compile("[A-Z]{3}");
  private static final Pattern AGREEMENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private final JsonNode root;
  private final Map<String, NationalScheme> nations = new LinkedHashMap<>();

  FederationConfigReader(JsonNode root) {
    this.root = root;
  }

  Federation read() {
    allowOnly(root, "", Set.of("nations", "agreements"));
    JsonNode nationList = array(root, "nations", "");
    if (nationList.isEmpty()) {
      throw new PolicyConfigException("nations: at least one nation is required");
    }
    for (int i = 0; i < nationList.size(); i++) {
      NationalScheme nation = nation(nationList.get(i), "nations[" + i + "]");
      if (nations.putIfAbsent(nation.code(), nation) != null) {
        throw new PolicyConfigException(
            "nations[" + i + "] (" + nation.code() + "): nation listed twice");
      }
    }
    List<Agreement> agreements = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    JsonNode agreementList =
        root.has("agreements") ? array(root, "agreements", "") : YAML.createArrayNode();
    for (int i = 0; i < agreementList.size(); i++) {
      Agreement agreement = agreement(agreementList.get(i), "agreements[" + i + "]");
      if (!ids.add(agreement.id())) {
        throw new PolicyConfigException(
            "agreements[" + i + "] (" + agreement.id() + "): id used twice");
      }
      agreements.add(agreement);
    }
    return new Federation(nations.values(), agreements);
  }

  private NationalScheme nation(JsonNode node, String at) {
    requireObject(node, at);
    allowOnly(node, at, Set.of("code", "name", "markings"));
    String code = string(node, "code", at);
    if (!NATION_CODE.matcher(code).matches()) {
      throw new PolicyConfigException(
          at + ".code: \"" + code + "\" is not an ISO 3166-1 alpha-3 code (three capitals)");
    }
    String where = at + " (" + code + ")";
    String name = node.has("name") ? string(node, "name", at) : code;
    JsonNode markings = node.get("markings");
    if (markings == null || !markings.isObject() || markings.isEmpty()) {
      throw new PolicyConfigException(
          where + ".markings: a mapping of level to markings is required");
    }
    Map<Level, List<String>> byLevel = new EnumMap<>(Level.class);
    Map<String, Level> levelOf = new HashMap<>();
    for (Map.Entry<String, JsonNode> entry : markings.properties()) {
      Level level = Level.parse(entry.getKey());
      String levelAt = where + ".markings." + entry.getKey();
      if (level == null || !level.name().equals(entry.getKey())) {
        throw new PolicyConfigException(
            levelAt + ": unknown level; use one of " + List.of(Level.values()));
      }
      List<String> list = strings(entry.getValue(), levelAt);
      if (list.isEmpty()) {
        throw new PolicyConfigException(
            levelAt + ": list at least one marking, or leave the level out");
      }
      for (String marking : list) {
        Level previous = levelOf.put(marking, level);
        if (previous != null) {
          throw new PolicyConfigException(
              levelAt + ": marking \"" + marking + "\" is already listed at " + previous);
        }
      }
      byLevel.put(level, List.copyOf(list));
    }
    return new NationalScheme(code, name, byLevel, levelOf);
  }

  private Agreement agreement(JsonNode node, String at) {
    requireObject(node, at);
    allowOnly(node, at, Set.of("id", "name", "parties", "covers", "history"));
    String id = string(node, "id", at);
    if (!AGREEMENT_ID.matcher(id).matches()) {
      throw new PolicyConfigException(
          at + ".id: \"" + id + "\" must be letters, digits, '.', '_' or '-' (up to 64)");
    }
    String where = at + " (" + id + ")";
    String name = node.has("name") ? string(node, "name", where) : id;
    List<String> parties = strings(node.get("parties"), where + ".parties");
    if (parties.size() < 2 || new HashSet<>(parties).size() != parties.size()) {
      throw new PolicyConfigException(where + ".parties: list two or more different nations");
    }
    for (String party : parties) {
      if (!nations.containsKey(party)) {
        throw new PolicyConfigException(
            where + ".parties: unknown nation \"" + party + "\"; known: " + nations.keySet());
      }
    }
    Set<Level> levels = coverage(node.get("covers"), parties, where);
    List<StatusChange> history = history(node.get("history"), where + ".history");
    return new Agreement(id, name, parties, levels, history);
  }

  /**
   * An agreement lists, for each party, the markings it exchanges under it (the table the parties
   * signed). Mapped through each party's scheme, every party must cover the same levels: an
   * agreement is the same in both directions.
   */
  private Set<Level> coverage(JsonNode covers, List<String> parties, String where) {
    if (covers == null || !covers.isObject()) {
      throw new PolicyConfigException(
          where + ".covers: a mapping of each party to the markings it exchanges is required");
    }
    for (String key : covers.propertyNames()) {
      if (!parties.contains(key)) {
        throw new PolicyConfigException(
            where
                + ".covers."
                + key
                + ": \""
                + key
                + "\" is not a party to the agreement "
                + parties);
      }
    }
    Set<Level> first = null;
    String firstParty = null;
    for (String party : parties) {
      String at = where + ".covers." + party;
      if (!covers.has(party)) {
        throw new PolicyConfigException(at + ": every party must list the markings it exchanges");
      }
      NationalScheme scheme = nations.get(party);
      Set<Level> levels = EnumSet.noneOf(Level.class);
      for (String marking : strings(covers.get(party), at)) {
        Level level = scheme.levelOf(marking);
        if (level == null) {
          throw new PolicyConfigException(
              at + ": \"" + marking + "\" is not a marking of " + party);
        }
        levels.add(level);
      }
      if (levels.isEmpty()) {
        throw new PolicyConfigException(at + ": list at least one marking");
      }
      if (first == null) {
        first = levels;
        firstParty = party;
      } else if (!first.equals(levels)) {
        throw new PolicyConfigException(
            where
                + ": not the same in both directions: "
                + firstParty
                + " covers "
                + new TreeSet<>(first)
                + " but "
                + party
                + " covers "
                + new TreeSet<>(levels));
      }
    }
    return first;
  }

  private List<StatusChange> history(JsonNode node, String at) {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw new PolicyConfigException(
          at + ": a status history with at least one entry is required");
    }
    List<StatusChange> history = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      String entryAt = at + "[" + i + "]";
      JsonNode entry = node.get(i);
      requireObject(entry, entryAt);
      allowOnly(entry, entryAt, Set.of("status", "from", "note"));
      String statusName = string(entry, "status", entryAt);
      AgreementStatus status;
      try {
        status = AgreementStatus.valueOf(statusName.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new PolicyConfigException(
            entryAt
                + ".status: unknown status \""
                + statusName
                + "\"; use one of "
                + List.of(AgreementStatus.values()));
      }
      Instant from = instant(string(entry, "from", entryAt), entryAt + ".from");
      if (i == 0 && status != AgreementStatus.IN_FORCE) {
        throw new PolicyConfigException(entryAt + ": an agreement's history starts with IN_FORCE");
      }
      if (!history.isEmpty()) {
        StatusChange previous = history.get(history.size() - 1);
        if (previous.status() == AgreementStatus.TERMINATED) {
          throw new PolicyConfigException(
              entryAt + ": nothing may follow TERMINATED; a new agreement is a new entry");
        }
        if (!from.isAfter(previous.from())) {
          throw new PolicyConfigException(entryAt + ".from: must come after " + previous.from());
        }
      }
      history.add(new StatusChange(status, from));
    }
    return history;
  }

  private static Instant instant(String text, String at) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new PolicyConfigException(
          at
              + ": \""
              + text
              + "\" is not an instant; write it with its offset, e.g. 2016-11-23T00:00:00Z");
    }
  }

  private static void requireObject(JsonNode node, String at) {
    if (node == null || !node.isObject()) {
      throw new PolicyConfigException(at + ": expected a mapping");
    }
  }

  private static void allowOnly(JsonNode node, String at, Set<String> keys) {
    for (String key : node.propertyNames()) {
      if (!keys.contains(key)) {
        throw new PolicyConfigException(
            (at.isEmpty() ? "" : at + ".")
                + key
                + ": unknown key; expected one of "
                + new TreeSet<>(keys));
      }
    }
  }

  private static JsonNode array(JsonNode node, String key, String at) {
    JsonNode value = node.get(key);
    if (value == null || !value.isArray()) {
      throw new PolicyConfigException(
          (at.isEmpty() ? "" : at + ".") + key + ": a list is required");
    }
    return value;
  }

  private static String string(JsonNode node, String key, String at) {
    JsonNode value = node.get(key);
    if (value == null || !value.isString() || value.stringValue().isBlank()) {
      throw new PolicyConfigException(at + "." + key + ": a non-empty string is required");
    }
    return value.stringValue();
  }

  private static List<String> strings(JsonNode node, String at) {
    if (node == null || !node.isArray()) {
      throw new PolicyConfigException(at + ": a list of strings is required");
    }
    List<String> values = new ArrayList<>();
    for (JsonNode item : node) {
      if (!item.isString() || item.stringValue().isBlank()) {
        throw new PolicyConfigException(at + ": every entry must be a non-empty string");
      }
      values.add(item.stringValue());
    }
    return values;
  }
}
