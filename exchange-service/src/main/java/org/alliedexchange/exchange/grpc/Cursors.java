package org.alliedexchange.exchange.grpc;

import io.grpc.Status;

/**
 * Resume points, opaque to clients: {@code s<seq>} in the product order (search), {@code
 * f<position>} in the live feed (subscribe). A cursor of one kind is refused by the other call.
 */
final class Cursors {
  private Cursors() {}

  static String search(long seq) {
    return "s" + seq;
  }

  static String feed(long position) {
    return "f" + position;
  }

  static long parseSearch(String cursor) {
    return parse(cursor, 's', "search");
  }

  static long parseFeed(String cursor) {
    return parse(cursor, 'f', "subscribe");
  }

  private static long parse(String cursor, char kind, String call) {
    if (cursor.length() < 2 || cursor.charAt(0) != kind) {
      throw Status.INVALID_ARGUMENT
          .withDescription(
              "\""
                  + cursor
                  + "\" is not a "
                  + call
                  + " cursor; pass one a "
                  + call
                  + " response gave you")
          .asRuntimeException();
    }
    try {
      long value = Long.parseLong(cursor.substring(1));
      if (value < 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription("\"" + cursor + "\" is not a " + call + " cursor")
          .asRuntimeException();
    }
  }
}
