package org.alliedexchange.hotline.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceTrackerTest {

  @Test
  void inOrderItemsAdvanceTheWatermarkAndARepeatIsADuplicate() {
    SequenceTracker tracker = new SequenceTracker();
    assertThat(tracker.add(1)).isTrue();
    assertThat(tracker.add(2)).isTrue();
    assertThat(tracker.add(2)).isFalse();
    assertThat(tracker.add(1)).isFalse();
    assertThat(tracker.contiguousThrough()).isEqualTo(2);
    assertThat(tracker.hasGap()).isFalse();
  }

  @Test
  void outOfOrderItemsOpenAGapThatClosesWhenTheMissingOneArrives() {
    SequenceTracker tracker = new SequenceTracker();
    tracker.add(1);
    tracker.add(4);
    tracker.add(3);
    assertThat(tracker.hasGap()).isTrue();
    assertThat(tracker.missing()).isEqualTo(1);
    assertThat(tracker.contiguousThrough()).isEqualTo(1);
    assertThat(tracker.alsoHeld()).containsExactly(3L, 4L);
    assertThat(tracker.add(4)).isFalse();

    assertThat(tracker.add(2)).isTrue();
    assertThat(tracker.hasGap()).isFalse();
    assertThat(tracker.contiguousThrough()).isEqualTo(4);
    assertThat(tracker.alsoHeld()).isEmpty();
  }

  @Test
  void aTrackerRebuiltFromTheStoreKnowsWhatIsHeld() {
    SequenceTracker tracker = new SequenceTracker(0, List.of(1L, 2L, 3L, 7L));
    assertThat(tracker.contiguousThrough()).isEqualTo(3);
    assertThat(tracker.highest()).isEqualTo(7);
    assertThat(tracker.holds(7)).isTrue();
    assertThat(tracker.holds(5)).isFalse();
    assertThat(tracker.holds(0)).isTrue();
    assertThat(tracker.add(0)).isFalse();
  }

  @Test
  void alsoHeldIsBoundedForTheRelayRequest() {
    SequenceTracker tracker = new SequenceTracker();
    for (long sequence = 2; sequence < 10_000; sequence++) {
      tracker.add(sequence);
    }
    assertThat(tracker.alsoHeld()).hasSize(SequenceTracker.MAX_ALSO_HELD).startsWith(2L);
    assertThat(tracker.add(1)).isTrue();
    assertThat(tracker.contiguousThrough()).isEqualTo(9_999);
  }
}
