package org.alliedexchange.gateway.auditors;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.label.WireMapping;
import org.springframework.util.MultiValueMap;

/**
 * Reads the HTTP query parameters of the auditors' API into a {@link QueryRecordsRequest}: {@code
 * relationship, from, to, decision, reason, product, system, from-nation, to-nation, level,
 * page-size, cursor}. Times are ISO instants ({@code 2026-11-21T09:00:00Z}) or whole days ({@code
 * 2026-11-21}, where {@code to} includes the day). A parameter it does not know, or a value it
 * cannot read, is refused with a message naming it, rather than ignored.
 */
final class RecordFilters {

  static final Set<String> NAMES =
      Set.of(
          "relationship",
          "from",
          "to",
          "decision",
          "reason",
          "product",
          "system",
          "from-nation",
          "to-nation",
          "level",
          "page-size",
          "cursor",
          "format");

  /** A parameter that cannot be read: the API answers 400 with this message. */
  static final class BadParameter extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadParameter(String message) {
      super(message, null, false, false);
    }
  }

  private RecordFilters() {}

  static QueryRecordsRequest parse(MultiValueMap<String, String> parameters) {
    for (String name : parameters.keySet()) {
      if (!NAMES.contains(name)) {
        throw new BadParameter(
            "unknown parameter " + name + "; the filters are " + new java.util.TreeSet<>(NAMES));
      }
    }
    QueryRecordsRequest.Builder request = QueryRecordsRequest.newBuilder();
    String relationship = parameters.getFirst("relationship");
    if (relationship != null) {
      request.setRelationship(relationship.trim().toUpperCase(Locale.ROOT));
    }
    String from = parameters.getFirst("from");
    if (from != null && !from.isBlank()) {
      request.setFrom(WireMapping.timestamp(instant(from, "from", false)));
    }
    String to = parameters.getFirst("to");
    if (to != null && !to.isBlank()) {
      request.setTo(WireMapping.timestamp(instant(to, "to", true)));
    }
    String decision = parameters.getFirst("decision");
    if (decision != null && !decision.isBlank()) {
      request.setDecision(named(Decision.class, decision, "decision"));
    }
    String reason = parameters.getFirst("reason");
    if (reason != null && !reason.isBlank()) {
      request.setReason(named(DenyReason.class, reason, "reason"));
    }
    String level = parameters.getFirst("level");
    if (level != null && !level.isBlank()) {
      request.setLevel(named(ClassificationLevel.class, level.replace(' ', '_'), "level"));
    }
    text(parameters, "product", request::setProductId);
    text(parameters, "system", request::setSystem);
    text(parameters, "from-nation", v -> request.setFromNation(v.toUpperCase(Locale.ROOT)));
    text(parameters, "to-nation", v -> request.setToNation(v.toUpperCase(Locale.ROOT)));
    text(parameters, "cursor", request::setCursor);
    String pageSize = parameters.getFirst("page-size");
    if (pageSize != null && !pageSize.isBlank()) {
      try {
        int size = Integer.parseInt(pageSize.trim());
        if (size < 1 || size > 1_000) {
          throw new NumberFormatException();
        }
        request.setPageSize(size);
      } catch (NumberFormatException e) {
        throw new BadParameter("page-size " + pageSize + " is not a number from 1 to 1000");
      }
    }
    return request.build();
  }

  private static void text(
      MultiValueMap<String, String> parameters,
      String name,
      java.util.function.Consumer<String> set) {
    String value = parameters.getFirst(name);
    if (value != null && !value.isBlank()) {
      set.accept(value.trim());
    }
  }

  /**
   * @param endOfDay for {@code to}: a whole day includes that day, so it ends at the next midnight
   */
  static Instant instant(String text, String name, boolean endOfDay) {
    String value = text.trim();
    try {
      if (value.length() == 10) {
        LocalDate day = LocalDate.parse(value);
        return (endOfDay ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new BadParameter(
          name
              + " "
              + text
              + " is neither a day (2026-11-21) nor an instant (2026-11-21T09:00:00Z)");
    }
  }

  private static <E extends Enum<E>> E named(Class<E> type, String value, String name) {
    try {
      return WireMapping.named(type, value);
    } catch (IllegalArgumentException e) {
      throw new BadParameter(name + " " + e.getMessage());
    }
  }
}
