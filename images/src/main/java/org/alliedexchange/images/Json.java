package org.alliedexchange.images;

import java.util.List;
import java.util.stream.Collectors;

/** The little JSON an image's manifest and configuration need, written in a fixed order. */
final class Json {

  private Json() {}

  static String string(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  static String array(List<String> values) {
    return values.stream().map(Json::string).collect(Collectors.joining(",", "[", "]"));
  }

  /** {"a":{},"b":{}}: how the image configuration spells a set (exposed ports, volumes). */
  static String set(List<String> values) {
    return values.stream().map(v -> string(v) + ":{}").collect(Collectors.joining(",", "{", "}"));
  }
}
