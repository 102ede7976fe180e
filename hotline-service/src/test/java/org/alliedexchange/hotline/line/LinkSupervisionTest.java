package org.alliedexchange.hotline.line;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.EscalationLevel;
import org.alliedexchange.api.hotline.v1.LinkState;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.junit.jupiter.api.Test;

/** Probes, link states, and the LINK_RED alarm's repeats, escalation and acknowledgement. */
class LinkSupervisionTest {

  private static final Duration PROBE = Duration.ofSeconds(10);

  private final LineFixture line = new LineFixture().start();

  @Test
  void aPeerAnsweringWithinTheBoundIsGreenWithItsRoundTripLastAnswerAndBacklog() {
    line.time.advance(PROBE);

    PeerLink jpn = link("JPN");
    assertThat(jpn.getState()).isEqualTo(LinkState.LINK_STATE_GREEN);
    assertThat(jpn.getLastRoundTripUs()).isEqualTo(2_000);
    assertThat(jpn.getLastAnswerAt().getSeconds())
        .isEqualTo(LineFixture.START.plus(PROBE).getEpochSecond());
    assertThat(jpn.getBacklog()).isEqualTo(7);
    assertThat(line.supervisor.links()).extracting(PeerLink::getPeer).containsExactly("JPN", "USA");
    assertThat(line.store.probes).hasSize(2);
  }

  @Test
  void aSlowAnswerIsAmberAndAFastOneGreenAgainEachChangeAuditedAndPublished() {
    line.time.advance(PROBE);
    line.node.probes.put("JPN", () -> 1_500_000);
    line.time.advance(PROBE);
    assertThat(link("JPN").getState()).isEqualTo(LinkState.LINK_STATE_AMBER);
    line.node.probes.put("JPN", () -> 900_000);
    line.time.advance(PROBE);
    assertThat(link("JPN").getState()).isEqualTo(LinkState.LINK_STATE_GREEN);

    List<HotlineEvent> changes =
        line.node.audits(HotlineEvent.Kind.LINK_STATE).stream()
            .filter(e -> e.getParty().equals("JPN"))
            .toList();
    assertThat(changes)
        .extracting(HotlineEvent::getLinkState)
        .containsExactly("GREEN", "AMBER", "GREEN");
    assertThat(changes.get(1).getReason()).contains("slow: answered in 1500 ms");
    assertThat(changes.get(1).getPartiesList()).containsExactly("JPN", "KOR");
    assertThat(line.node.publishedLinks)
        .filteredOn(l -> l.getPeer().equals("JPN"))
        .extracting(PeerLink::getState)
        .containsExactly(
            LinkState.LINK_STATE_GREEN, LinkState.LINK_STATE_AMBER, LinkState.LINK_STATE_GREEN);
  }

  @Test
  void oneAndTwoMissesAreAmberTheThirdIsRedAndRaisesAnAlarm() {
    line.time.advance(PROBE);
    line.node.cut("USA");

    line.time.advance(PROBE);
    assertThat(link("USA").getState()).isEqualTo(LinkState.LINK_STATE_AMBER);
    line.time.advance(PROBE);
    assertThat(link("USA").getState()).isEqualTo(LinkState.LINK_STATE_AMBER);
    assertThat(linkAlarms()).isEmpty();
    line.time.advance(PROBE);

    assertThat(link("USA").getState()).isEqualTo(LinkState.LINK_STATE_RED);
    assertThat(link("USA").getLastAnswerAt().getSeconds())
        .isEqualTo(LineFixture.START.plus(PROBE).getEpochSecond());
    assertThat(link("JPN").getState()).isEqualTo(LinkState.LINK_STATE_GREEN);
    Alarm alarm = linkAlarms().get(0);
    assertThat(alarm.getPeer()).isEqualTo("USA");
    assertThat(alarm.getLevel()).isEqualTo(EscalationLevel.ESCALATION_LEVEL_WATCH_OFFICER);
    assertThat(alarm.getDetail()).contains("the link to USA is RED").contains("does not answer");
    assertThat(line.node.alarmSteps(alarm.getId())).containsExactly("RAISED");
    assertThat(line.node.publishedAlarms).extracting(Alarm::getId).contains(alarm.getId());
    assertThat(line.store.links).containsEntry("USA", LinkState.LINK_STATE_RED);
  }

  @Test
  void anUnacknowledgedAlarmRepeatsEveryMinuteAndEscalatesEveryThreeToAdviserThenPrincipal() {
    Alarm alarm = redUsa();

    line.time.advance(Duration.ofMinutes(8));

    assertThat(line.node.alarmSteps(alarm.getId()))
        .containsExactly(
            "RAISED",
            "REPEATED",
            "REPEATED",
            "ESCALATED:ADVISER",
            "REPEATED",
            "REPEATED",
            "ESCALATED:PRINCIPAL",
            "REPEATED",
            "REPEATED");
    Alarm now = linkAlarms().get(0);
    assertThat(now.getLevel()).isEqualTo(EscalationLevel.ESCALATION_LEVEL_PRINCIPAL);
    assertThat(now.getRepeats()).isEqualTo(6);
    // at the principal it escalates no further, it only repeats
    line.time.advance(Duration.ofMinutes(6));
    assertThat(line.node.alarmSteps(alarm.getId()))
        .filteredOn(step -> step.startsWith("ESCALATED"))
        .hasSize(2);
    assertThat(linkAlarms().get(0).getRepeats()).isEqualTo(12);
  }

  @Test
  void anAcknowledgementStopsTheRepeatsAndIsRecordedWithWhoAcknowledged() {
    Alarm alarm = redUsa();
    line.time.advance(Duration.ofMinutes(1));

    Alarm acknowledged = line.supervisor.acknowledgeAlarm(alarm.getId(), "kor-watch-officer");

    assertThat(acknowledged.getAcknowledgedBy()).isEqualTo("kor-watch-officer");
    assertThat(acknowledged.hasAcknowledgedAt()).isTrue();
    assertThat(line.supervisor.openAlarms()).isEmpty();
    int steps = line.node.alarmSteps(alarm.getId()).size();
    line.time.advance(Duration.ofMinutes(10));
    assertThat(line.node.alarmSteps(alarm.getId())).hasSize(steps).endsWith("ACKNOWLEDGED");
    HotlineEvent ack =
        line.node.audits(HotlineEvent.Kind.ALARM).stream()
            .filter(e -> e.getAlarmId().equals(alarm.getId()))
            .reduce((first, second) -> second)
            .orElseThrow();
    assertThat(ack.getActor()).isEqualTo("kor-watch-officer");
    assertThat(ack.getPartiesList()).containsExactly("KOR", "USA");
    assertThat(line.node.publishedAlarms)
        .filteredOn(a -> a.getId().equals(alarm.getId()))
        .last()
        .extracting(Alarm::getAcknowledgedBy)
        .isEqualTo("kor-watch-officer");
    // a second acknowledgement changes nothing
    assertThat(line.supervisor.acknowledgeAlarm(alarm.getId(), "kor-principal").getAcknowledgedBy())
        .isEqualTo("kor-watch-officer");
  }

  @Test
  void onceEscalatedOnlyMembersAtOrAboveTheLevelOfThisNationMayAcknowledge() {
    Alarm alarm = redUsa();
    line.time.advance(Duration.ofMinutes(3));

    assertDenied(alarm.getId(), "kor-watch-officer", "escalated to ADVISER");
    assertDenied(alarm.getId(), "usa-principal", "not a hotline member of KOR");
    assertDenied(alarm.getId(), "mallory", "not a hotline member of KOR");
    assertThat(
            catchStatus(() -> line.supervisor.acknowledgeAlarm("no-such-alarm", "kor-principal")))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(linkAlarms()).extracting(Alarm::getId).containsExactly(alarm.getId());

    assertThat(line.supervisor.acknowledgeAlarm(alarm.getId(), "kor-nsa").getAcknowledgedBy())
        .isEqualTo("kor-nsa");
  }

  @Test
  void aRedLinkBackToGreenSaysSoButTheAlarmStaysOpenUntilAcknowledged() {
    Alarm alarm = redUsa();
    line.node.probes.put("USA", () -> 3_000);
    line.time.advance(PROBE);

    assertThat(link("USA").getState()).isEqualTo(LinkState.LINK_STATE_GREEN);
    Alarm open = linkAlarms().get(0);
    assertThat(open.getId()).isEqualTo(alarm.getId());
    assertThat(open.getDetail()).contains("GREEN again since").contains("acknowledge the alarm");
    assertThat(line.node.publishedAlarms)
        .filteredOn(a -> a.getId().equals(alarm.getId()))
        .last()
        .extracting(Alarm::getDetail)
        .asString()
        .contains("GREEN again");
    line.time.advance(Duration.ofMinutes(3));
    assertThat(line.node.alarmSteps(alarm.getId())).contains("ESCALATED:ADVISER");
  }

  @Test
  void aStepWhoseAuditCannotBeWrittenDoesNotTakeEffectAndIsTriedAgain() {
    line.time.advance(PROBE);
    line.node.cut("USA");
    line.node.auditDown = true;
    line.time.advance(PROBE.multipliedBy(3));

    assertThat(link("USA").getState()).isEqualTo(LinkState.LINK_STATE_GREEN);
    assertThat(line.supervisor.openAlarms()).isEmpty();

    line.node.auditDown = false;
    line.time.advance(PROBE);
    assertThat(link("USA").getState()).isEqualTo(LinkState.LINK_STATE_RED);
    assertThat(linkAlarms()).hasSize(1);
  }

  private Alarm redUsa() {
    line.time.advance(PROBE);
    line.node.cut("USA");
    line.time.advance(PROBE.multipliedBy(3));
    assertThat(linkAlarms()).hasSize(1);
    return linkAlarms().get(0);
  }

  private List<Alarm> linkAlarms() {
    return line.supervisor.openAlarms().stream()
        .filter(a -> a.getKind() == AlarmKind.ALARM_KIND_LINK_RED)
        .toList();
  }

  private PeerLink link(String peer) {
    return line.supervisor.links().stream()
        .filter(l -> l.getPeer().equals(peer))
        .findFirst()
        .orElseThrow();
  }

  private void assertDenied(String alarmId, String username, String why) {
    assertThatThrownBy(() -> line.supervisor.acknowledgeAlarm(alarmId, username))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains(why);
            });
  }

  private static Status.Code catchStatus(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }
}
