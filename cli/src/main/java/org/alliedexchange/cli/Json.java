package org.alliedexchange.cli;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The one JSON writer of the command line: one object per line, for scripts. */
final class Json {
  static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static String line(Object value) {
    return MAPPER.writeValueAsString(value);
  }
}
