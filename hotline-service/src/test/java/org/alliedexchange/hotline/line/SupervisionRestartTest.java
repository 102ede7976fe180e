package org.alliedexchange.hotline.line;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.EscalationLevel;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.LinkState;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.junit.jupiter.api.Test;

/** A node restarted on its store keeps its open alarms, owed acknowledgements and sent tests. */
class SupervisionRestartTest {

  private final LineFixture line = new LineFixture();

  @Test
  void openAlarmsSurviveARestartAndGoOnEscalatingFromWhereTheyStood() {
    line.start();
    line.time.advance(Duration.ofSeconds(10));
    line.node.cut("USA");
    line.time.advance(Duration.ofSeconds(30));
    line.time.advance(Duration.ofMinutes(3));
    Alarm before = red();
    assertThat(before.getLevel()).isEqualTo(EscalationLevel.ESCALATION_LEVEL_ADVISER);

    line.restart();

    assertThat(red().getId()).isEqualTo(before.getId());
    assertThat(red().getLevel()).isEqualTo(EscalationLevel.ESCALATION_LEVEL_ADVISER);
    // still RED: the restarted node does not raise a second alarm, nor call it a change
    int linkChanges = line.node.publishedLinks.size();
    line.time.advance(Duration.ofSeconds(10));
    assertThat(line.node.publishedLinks).hasSize(linkChanges);
    assertThat(line.supervisor.links())
        .filteredOn(l -> l.getPeer().equals("USA"))
        .extracting(PeerLink::getState)
        .containsExactly(LinkState.LINK_STATE_RED);
    line.time.advance(Duration.ofMinutes(3));
    assertThat(red().getLevel()).isEqualTo(EscalationLevel.ESCALATION_LEVEL_PRINCIPAL);
    assertThat(
            line.supervisor.acknowledgeAlarm(before.getId(), "kor-principal").getAcknowledgedBy())
        .isEqualTo("kor-principal");
    line.restart();
    assertThat(line.supervisor.openAlarms())
        .noneMatch(a -> a.getKind() == AlarmKind.ALARM_KIND_LINK_RED);
  }

  @Test
  void aTestSentBeforeTheRestartIsNotSentAgainInItsSlotAndItsMissedAckStillRaises() {
    line.testEvery(Duration.ofHours(1), Duration.ofMinutes(5)).start();
    line.time.advance(Duration.ofSeconds(1));
    List<HotlineMessage> sent = List.copyOf(line.node.sentTests);
    assertThat(sent).isNotEmpty();

    line.restart();
    line.time.advance(Duration.ofMinutes(6));

    assertThat(line.node.sentTests).hasSize(sent.size());
    assertThat(line.supervisor.openAlarms())
        .filteredOn(a -> a.getKind() == AlarmKind.ALARM_KIND_TEST_MISSED)
        .extracting(Alarm::getMessageId)
        .containsAll(sent.stream().map(HotlineMessage::getId).toList());
  }

  private Alarm red() {
    return line.supervisor.openAlarms().stream()
        .filter(a -> a.getKind() == AlarmKind.ALARM_KIND_LINK_RED)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aNodeStartingLateInASlotLeavesItsTestOutAndSendsAtTheNextSlotsStart() {
    line.time.advance(Duration.ofMinutes(20));
    line.testEvery(Duration.ofHours(1), Duration.ofMinutes(5)).start();

    line.time.advance(Duration.ofMinutes(39));
    assertThat(line.node.sentTests).isEmpty();
    line.time.advance(Duration.ofMinutes(2));

    assertThat(line.node.sentTests).isNotEmpty();
    assertThat(line.node.sentTests.get(0).getAcceptedAt().getSeconds())
        .isEqualTo(LineFixture.START.plus(Duration.ofHours(1)).getEpochSecond());
  }
}
