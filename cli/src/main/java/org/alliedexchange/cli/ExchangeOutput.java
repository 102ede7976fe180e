package org.alliedexchange.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * How the national systems' commands (`allied token|publish|amend|get|search|subscribe`) print:
 * answers as proto3 JSON, products as one line, refusals as status and message.
 */
final class ExchangeOutput {

  private ExchangeOutput() {}

  static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  static String json(MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** One line for a product as the caller received it. */
  static String product(SecurityLabel label, ProductContent content, String cursor) {
    String released =
        label.hasRelease()
            ? label.getRelease().getMarking()
                + " ("
                + label.getRelease().getRecipientNation()
                + " marking of "
                + label.getOriginator()
                + " "
                + label.getMarking()
                + ")"
            : label.getMarking();
    return content.getId()
        + "  "
        + content.getTopic()
        + "  "
        + released
        + "  releasable to "
        + String.join(",", label.getReleasableToList())
        + (label.hasRelease() ? "  transfer " + label.getRelease().getTransferId() : "")
        + (cursor == null ? "" : "  cursor " + cursor);
  }

  /** Turns a status into the line the commands print, for callers outside picocli. */
  static String describe(Status status) {
    return status.getCode() + ": " + status.getDescription();
  }
}
