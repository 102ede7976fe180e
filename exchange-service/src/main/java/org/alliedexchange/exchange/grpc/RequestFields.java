package org.alliedexchange.exchange.grpc;

import static org.alliedexchange.exchange.grpc.Statuses.invalid;

import java.util.UUID;
import java.util.regex.Pattern;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.policy.Level;

/** The request fields more than one RPC reads, each checked the same way everywhere. */
final class RequestFields {
  private RequestFields() {}

  static final Pattern TOPIC = Pattern.compile("[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)*");
  static final Pattern NATION = Pattern.compile("[A-Z]{3}");

  /** A client's value in double quotes, controls and non-ASCII escaped, at most 64 characters. */
  static String quoted(String value) {
    StringBuilder out = new StringBuilder("\"");
    value
        .codePoints()
        .limit(64)
        .forEach(
            c -> {
              if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                out.append((char) c);
              } else {
                out.append(String.format("\\u%04x", c));
              }
            });
    return out.append(value.codePointCount(0, value.length()) > 64 ? "...\"" : "\"").toString();
  }

  static UUID productId(String text) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw invalid("product_id " + quoted(text) + " is not a product id (a UUID)");
    }
  }

  static Level level(ClassificationLevel level, String field) {
    if (level == ClassificationLevel.UNRECOGNIZED) {
      throw invalid(field + " is not a level this service knows");
    }
    return WireMapping.level(level);
  }
}
