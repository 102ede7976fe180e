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

  static UUID productId(String text) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw invalid("product_id \"" + text + "\" is not a product id (a UUID)");
    }
  }

  static Level level(ClassificationLevel level, String field) {
    if (level == ClassificationLevel.UNRECOGNIZED) {
      throw invalid(field + " is not a level this service knows");
    }
    return WireMapping.level(level);
  }
}
