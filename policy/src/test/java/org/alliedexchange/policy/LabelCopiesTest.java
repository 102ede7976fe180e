package org.alliedexchange.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A label's nation, community and control sets are its own, read-only, whichever way it is made.
 */
class LabelCopiesTest {

  @Test
  void aLabelMadeFromListsHoldsReadOnlyCopiesEqualToTheSetsItWasGiven() {
    List<String> nations = new ArrayList<>(List.of("KOR", "JPN", "KOR"));

    Label fromLists =
        Label.of("KOR", Level.SECRET, null, "KOR", nations, List.of(), List.of(), false, false);
    nations.add("USA");

    Label fromSets =
        new Label(
            "KOR", Level.SECRET, null, "KOR", Set.of("KOR", "JPN"), Set.of(), Set.of(), false);
    assertThat(fromLists).isEqualTo(fromSets).hasSameHashCodeAs(fromSets);
    assertThat(fromLists.releasableTo()).containsExactlyInAnyOrder("KOR", "JPN");
    assertThatThrownBy(() -> fromLists.releasableTo().add("USA"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> fromLists.releasableTo().iterator().remove())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aSetHandedToTheConstructorIsCopiedAndANullEntryKeptForTheEngineToRefuse() {
    Set<String> nations = new HashSet<>(Arrays.asList("KOR", null));
    Label label =
        new Label("KOR", Level.SECRET, null, "KOR", nations, Set.of(), Set.of(), false, false);
    nations.add("USA");

    assertThat(label.releasableTo()).containsExactlyInAnyOrder("KOR", null);
    // a label rebuilt from another label's sets shares nothing mutable with anyone
    Label rebuilt =
        new Label(
            label.policy(),
            label.level(),
            label.marking(),
            label.originator(),
            label.releasableTo(),
            label.communities(),
            label.controls(),
            false,
            false);
    assertThat(rebuilt).isEqualTo(label);
    assertThat(new ReleasabilityEngine(FederationConfig.loadDefault()).validate(label).defects())
        .contains(LabelDefect.MALFORMED);
  }
}
