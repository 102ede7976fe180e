package org.alliedexchange.policy;

import java.util.Set;

/** Short builders for labels and recipients in tests. */
final class Labels {
  private Labels() {}

  static Label marked(String policy, String marking, String... releasableTo) {
    return new Label(policy, null, marking, policy, Set.of(releasableTo), Set.of(), Set.of());
  }

  static Label leveled(String policy, Level level, String... releasableTo) {
    return new Label(policy, level, null, policy, Set.of(releasableTo), Set.of(), Set.of());
  }

  static Label withCommunities(Label label, String... communities) {
    return new Label(
        label.policy(),
        label.level(),
        label.marking(),
        label.originator(),
        label.releasableTo(),
        Set.of(communities),
        label.controls());
  }

  static Label withControls(Label label, String... controls) {
    return new Label(
        label.policy(),
        label.level(),
        label.marking(),
        label.originator(),
        label.releasableTo(),
        label.communities(),
        Set.of(controls));
  }

  static Recipient recipient(String nation, Level clearance, String... communities) {
    return new Recipient(nation, clearance, Set.of(communities));
  }
}
