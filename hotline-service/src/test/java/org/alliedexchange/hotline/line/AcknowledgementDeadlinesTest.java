package org.alliedexchange.hotline.line;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.Receipt;
import org.alliedexchange.api.hotline.v1.ReceiptState;
import org.alliedexchange.label.WireMapping;
import org.junit.jupiter.api.Test;

/** The line tests in turn, and the acknowledgements owed for tests, FLASH and IMMEDIATE. */
class AcknowledgementDeadlinesTest {

  private static final List<String> TRILATERAL = List.of("JPN", "KOR", "USA");

  private final LineFixture line = new LineFixture();

  @Test
  void theNodeSendsATestIntoEachConferenceInItsTurnOncePerSlot() {
    line.testEvery(Duration.ofHours(1), Duration.ofMinutes(5)).start();
    LineTestSchedule schedule = new LineTestSchedule(Duration.ofHours(1));
    long first = schedule.slot(LineFixture.START);

    line.time.advance(Duration.ofHours(6).minusSeconds(1));

    List<String> expected = new ArrayList<>();
    for (long slot = first; slot < first + 6; slot++) {
      for (Conference conference : line.node.conferences) {
        if (schedule.sender(conference, slot).equals("KOR")) {
          expected.add(conference.getId() + " #" + slot);
        }
      }
    }
    List<String> sent =
        line.node.sentTests.stream()
            .map(t -> t.getConference() + " #" + t.getText().split("#| ")[4])
            .toList();
    assertThat(sent).containsExactlyInAnyOrderElementsOf(expected);
    // the trilateral conference twice in six slots, each bilateral one three times
    assertThat(sent).filteredOn(s -> s.startsWith("JPN-KOR-USA ")).hasSize(2);
    assertThat(sent).filteredOn(s -> s.startsWith("KOR-USA ")).hasSize(3);
    assertThat(line.node.sentTests.get(0).getText()).contains("THE QUICK BROWN FOX", "다람쥐", "いろは");
  }

  @Test
  void eachTestIsPrecededByTheSignedChainHeadOfTheConference() {
    byte[] sha = new byte[32];
    line.node.items.put(
        "JPN-KOR", List.of(new RelayItemDigest("JPN", 1, sha), new RelayItemDigest("KOR", 1, sha)));
    line.start();
    HotlineMessage test = advanceUntilTest("JPN-KOR");

    HotlineEvent sent =
        line.node.audits(HotlineEvent.Kind.LINE_TEST).stream()
            .filter(e -> e.getMessageId().equals(test.getId()))
            .findFirst()
            .orElseThrow();
    byte[] expected =
        ChainHeads.hash(
                line.node.items.get("JPN-KOR"),
                ChainHeads.contiguousThrough(line.node.items.get("JPN-KOR")))
            .orElseThrow();
    assertThat(HexFormat.of().formatHex(sent.getHeadHash().toByteArray()))
        .isEqualTo(HexFormat.of().formatHex(expected));
    assertThat(sent.getReason()).contains("chain head through {JPN=1, KOR=1}");
    assertThat(sent.getPartiesList()).containsExactly("JPN", "KOR");
  }

  @Test
  void aPartyThatDoesNotAcknowledgeTheTestInTimeRaisesTestMissedTheOtherNone() {
    line.testEvery(Duration.ofHours(1), Duration.ofMinutes(5)).start();
    HotlineMessage test = advanceUntilTest("JPN-KOR-USA");
    Instant sentAt = line.time.instant();

    line.time.advance(Duration.ofMinutes(2));
    line.supervisor.onReceipt(ack(test, "JPN", "jpn-watch-officer"));
    line.time.advance(Duration.ofMinutes(3).minusSeconds(2));
    assertThat(alarms(AlarmKind.ALARM_KIND_TEST_MISSED, test.getId())).isEmpty();
    line.time.advance(Duration.ofSeconds(2));

    List<Alarm> missed = alarms(AlarmKind.ALARM_KIND_TEST_MISSED, test.getId());
    assertThat(missed).extracting(Alarm::getPeer).containsExactly("USA");
    assertThat(missed.get(0).getConference()).isEqualTo("JPN-KOR-USA");
    assertThat(missed.get(0).getDetail()).contains("USA has not acknowledged the line test");
    assertThat(WireMapping.instant(missed.get(0).getRaisedAt()))
        .isBetween(
            sentAt.plus(Duration.ofMinutes(5)), sentAt.plus(Duration.ofMinutes(5)).plusSeconds(1));
    assertThat(line.node.audits(HotlineEvent.Kind.LINE_TEST))
        .anySatisfy(
            e -> {
              assertThat(e.getMessageId()).isEqualTo(test.getId());
              assertThat(e.getParty()).isEqualTo("JPN");
              assertThat(e.getActor()).isEqualTo("jpn-watch-officer");
            });
  }

  @Test
  void aFlashNotAcknowledgedByARecipientPartyInTwoMinutesRaisesNotAcknowledged() {
    line.start();
    HotlineMessage flash = message("KOR", Precedence.PRECEDENCE_FLASH);
    line.supervisor.onMessage(flash, TRILATERAL);
    line.supervisor.onReceipt(ack(flash, "JPN", "jpn-nsa"));

    line.time.advance(Duration.ofMinutes(2).minusSeconds(1));
    assertThat(alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, flash.getId())).isEmpty();
    line.time.advance(Duration.ofSeconds(1));

    assertThat(alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, flash.getId()))
        .extracting(Alarm::getPeer)
        .containsExactly("USA");
  }

  @Test
  void flashOverrideTakesTheFlashTimeImmediateItsOwnAndRoutineOwesNothing() {
    line.start();
    HotlineMessage override = message("KOR", Precedence.PRECEDENCE_FLASH_OVERRIDE);
    HotlineMessage immediate = message("KOR", Precedence.PRECEDENCE_IMMEDIATE);
    HotlineMessage routine = message("KOR", Precedence.PRECEDENCE_ROUTINE);
    HotlineMessage priority = message("KOR", Precedence.PRECEDENCE_PRIORITY);
    for (HotlineMessage m : List.of(override, immediate, routine, priority)) {
      line.supervisor.onMessage(m, TRILATERAL);
    }

    line.time.advance(Duration.ofMinutes(2));
    assertThat(alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, override.getId())).hasSize(2);
    assertThat(alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, immediate.getId())).isEmpty();
    line.time.advance(Duration.ofMinutes(8));
    assertThat(alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, immediate.getId()))
        .extracting(Alarm::getPeer)
        .containsExactlyInAnyOrder("JPN", "USA");
    assertThat(alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, routine.getId())).isEmpty();
    assertThat(alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, priority.getId())).isEmpty();
  }

  @Test
  void aRecipientNodeWatchesOnlyItsOwnPartysAcknowledgement() {
    line.start();
    HotlineMessage flash = message("JPN", Precedence.PRECEDENCE_FLASH);
    line.supervisor.onMessage(flash, TRILATERAL);
    line.supervisor.onMessage(flash, TRILATERAL);

    line.time.advance(Duration.ofMinutes(3));

    assertThat(alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, flash.getId()))
        .extracting(Alarm::getPeer)
        .containsExactly("KOR");
  }

  @Test
  void anAcknowledgementAfterTheAlarmIsShownOnItButTheAlarmStillWantsItsOwn() {
    line.start();
    HotlineMessage flash = message("KOR", Precedence.PRECEDENCE_FLASH);
    line.supervisor.onMessage(flash, List.of("JPN", "KOR"));
    line.time.advance(Duration.ofMinutes(3));
    Alarm alarm = alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, flash.getId()).get(0);

    line.supervisor.onReceipt(ack(flash, "JPN", "jpn-watch-officer"));

    Alarm shown = alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, flash.getId()).get(0);
    assertThat(shown.getId()).isEqualTo(alarm.getId());
    assertThat(shown.getDetail()).contains("acknowledged late by jpn-watch-officer");
    assertThat(shown.getAcknowledgedBy()).isEmpty();
  }

  @Test
  void aMessageFromLongAgoReplayedToTheSupervisionOwesNothing() {
    line.start();
    HotlineMessage old =
        message("KOR", Precedence.PRECEDENCE_FLASH).toBuilder()
            .setAcceptedAt(WireMapping.timestamp(LineFixture.START.minus(Duration.ofDays(2))))
            .build();
    line.supervisor.onMessage(old, TRILATERAL);
    line.time.advance(Duration.ofMinutes(3));
    assertThat(alarms(AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, old.getId())).isEmpty();
  }

  private HotlineMessage advanceUntilTest(String conference) {
    for (int i = 0; i < 4; i++) {
      line.time.advance(Duration.ofSeconds(1));
      List<HotlineMessage> tests =
          line.node.sentTests.stream().filter(t -> t.getConference().equals(conference)).toList();
      if (!tests.isEmpty()) {
        return tests.get(tests.size() - 1);
      }
      Instant next =
          new LineTestSchedule(line.settings.testInterval())
              .start(
                  new LineTestSchedule(line.settings.testInterval()).slot(line.time.instant()) + 1);
      line.time.advance(Duration.between(line.time.instant(), next).minusMillis(500));
    }
    throw new AssertionError("no test sent into " + conference);
  }

  private List<Alarm> alarms(AlarmKind kind, String messageId) {
    return line.supervisor.openAlarms().stream()
        .filter(a -> a.getKind() == kind && a.getMessageId().equals(messageId))
        .toList();
  }

  private HotlineMessage message(String origin, Precedence precedence) {
    return HotlineMessage.newBuilder()
        .setId(UUID.randomUUID().toString())
        .setConference("JPN-KOR-USA")
        .setOrigin(origin)
        .setSender(origin.toLowerCase() + "-principal")
        .setPrecedence(precedence)
        .setText("consult now")
        .setAcceptedAt(WireMapping.timestamp(line.time.instant()))
        .build();
  }

  private static Receipt ack(HotlineMessage message, String party, String by) {
    return Receipt.newBuilder()
        .setMessageId(message.getId())
        .setConference(message.getConference())
        .setParty(party)
        .setState(ReceiptState.RECEIPT_STATE_ACKNOWLEDGED)
        .setBy(by)
        .build();
  }

  @Test
  void aPeersTestTextThatArrivesChangedIsAuditedAndOneIntactIsNot() {
    line.start();
    HotlineMessage intact =
        message("JPN", Precedence.PRECEDENCE_PRIORITY).toBuilder()
            .setLineTest(true)
            .setText(LineTestSchedule.text("JPN", "JPN-KOR-USA", 3))
            .build();
    HotlineMessage changed =
        intact.toBuilder()
            .setId(UUID.randomUUID().toString())
            .setText(intact.getText().replace("いろは", "いろ?"))
            .build();

    line.supervisor.onMessage(intact, TRILATERAL);
    line.supervisor.onMessage(changed, TRILATERAL);

    assertThat(line.node.audits(HotlineEvent.Kind.LINE_TEST))
        .extracting(HotlineEvent::getMessageId, HotlineEvent::getParty)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(changed.getId(), "JPN"));
    assertThat(line.node.audits(HotlineEvent.Kind.LINE_TEST).get(0).getReason())
        .startsWith("TEXT CHANGED: the line test from JPN");
  }
}
