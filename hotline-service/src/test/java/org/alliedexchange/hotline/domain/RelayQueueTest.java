package org.alliedexchange.hotline.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.junit.jupiter.api.Test;

class RelayQueueTest {

  static final int ROUTINE = Precedence.PRECEDENCE_ROUTINE_VALUE;
  static final int FLASH = Precedence.PRECEDENCE_FLASH_VALUE;

  @Test
  void aFlashQueuedBehindTenThousandRoutineItemsGoesOutNext() {
    RelayQueue queue = new RelayQueue();
    for (long sequence = 1; sequence <= 10_000; sequence++) {
      queue.offer(new RelayQueue.Key("JPN-KOR-USA", sequence, ROUTINE));
    }
    List<RelayQueue.Key> first = queue.poll(5);
    queue.offer(new RelayQueue.Key("JPN-KOR-USA", 10_001, FLASH));

    assertThat(first).extracting(RelayQueue.Key::sequence).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(queue.poll(1)).containsExactly(new RelayQueue.Key("JPN-KOR-USA", 10_001, FLASH));
    assertThat(queue.poll(1)).extracting(RelayQueue.Key::sequence).containsExactly(6L);
  }

  @Test
  void withinAPrecedenceItemsGoInSequenceOrderAndEachOnlyOnce() {
    RelayQueue queue = new RelayQueue();
    queue.offer(new RelayQueue.Key("JPN-KOR", 3, ROUTINE));
    queue.offer(new RelayQueue.Key("JPN-KOR", 1, ROUTINE));
    assertThat(queue.offer(new RelayQueue.Key("JPN-KOR", 1, ROUTINE))).isFalse();
    queue.offer(new RelayQueue.Key("JPN-KOR", 2, Precedence.PRECEDENCE_IMMEDIATE_VALUE));

    List<Long> order = new ArrayList<>();
    queue.poll(10).forEach(key -> order.add(key.sequence()));
    assertThat(order).containsExactly(2L, 1L, 3L);
    // taken once: offered again (the stored backlog and the live item both), not sent twice
    assertThat(queue.offer(new RelayQueue.Key("JPN-KOR", 1, ROUTINE))).isFalse();
    assertThat(queue.isEmpty()).isTrue();
  }
}
