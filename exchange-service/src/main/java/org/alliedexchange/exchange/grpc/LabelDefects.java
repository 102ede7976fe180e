package org.alliedexchange.exchange.grpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.alliedexchange.policy.LabelDefect;

/** A label's defects in words, for the refusal of a write that would store an invalid label. */
final class LabelDefects {
  private LabelDefects() {}

  static String describe(Set<LabelDefect> defects) {
    List<String> lines = new ArrayList<>();
    for (LabelDefect defect : defects) {
      lines.add(defect.name() + " (" + defect.description() + ")");
    }
    return String.join("; ", lines);
  }
}
