package org.alliedexchange.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a parsed message holds only what its schema knows. Protobuf keeps a field it does not
 * know as opaque bytes, at any depth, and writes it back out: a label or content carrying one would
 * be signed, stored and released with something no guard ever interpreted, and could nest deeper
 * than the audit service's parser follows. A canonical message has no unknown field anywhere and
 * nests no deeper than {@link #MAX_DEPTH}.
 */
public final class CanonicalMessages {

  /**
   * The deepest nesting accepted, far below protobuf's own parse limit of 100 so that a message can
   * be embedded in an audit record, and that in a query response, and still parse.
   */
  public static final int MAX_DEPTH = 16;

  private CanonicalMessages() {}

  /**
   * The path of the first field this message's schema does not know (e.g. {@code review_at.#99}),
   * or of the first message nested deeper than {@link #MAX_DEPTH}; empty when the message is
   * canonical.
   */
  public static Optional<String> firstUnknownField(MessageOrBuilder message) {
    return firstUnknownField(message, "", 0);
  }

  private static Optional<String> firstUnknownField(
      MessageOrBuilder message, String path, int depth) {
    if (depth > MAX_DEPTH) {
      return Optional.of(path.isEmpty() ? "(root)" : path + " (nested too deep)");
    }
    Map<Integer, ?> unknown = message.getUnknownFields().asMap();
    if (!unknown.isEmpty()) {
      return Optional.of(join(path, "#" + unknown.keySet().iterator().next()));
    }
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      FieldDescriptor descriptor = field.getKey();
      if (descriptor.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      String name = join(path, descriptor.getName());
      if (descriptor.isRepeated()) {
        List<?> values = (List<?>) field.getValue();
        for (int i = 0; i < values.size(); i++) {
          Optional<String> found =
              firstUnknownField((MessageOrBuilder) values.get(i), name + "[" + i + "]", depth + 1);
          if (found.isPresent()) {
            return found;
          }
        }
      } else {
        Optional<String> found =
            firstUnknownField((MessageOrBuilder) field.getValue(), name, depth + 1);
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return Optional.empty();
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
