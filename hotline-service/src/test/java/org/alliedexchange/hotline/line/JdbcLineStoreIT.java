package org.alliedexchange.hotline.line;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.EscalationLevel;
import org.alliedexchange.api.hotline.v1.LinkState;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.serviceruntime.ServiceDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The line's records in PostgreSQL, written as the node's own role with only its grants. */
class JdbcLineStoreIT {

  static LocalPostgres postgres;
  static ServiceDatabase database;
  static JdbcLineStore store;

  @BeforeAll
  static void start() throws Exception {
    Path data = Files.createTempDirectory("allied-line-store-");
    postgres = LocalPostgres.start(data.resolve("postgres"));
    database =
        ServiceDatabase.open(
            new ServiceDatabase.Settings(
                postgres.databaseUrl(),
                postgres.service().username(),
                postgres.service().password(),
                postgres.owner().username(),
                postgres.owner().password(),
                "line-store-it",
                2,
                "org/alliedexchange/hotline/db/migration",
                Map.of()));
    store = new JdbcLineStore(database.dataSource());
  }

  @AfterAll
  static void stop() {
    database.close();
    postgres.close();
  }

  @Test
  void probesAndLinkStatesAreKeptTheLastStatePerPeerReadBackAndOldProbesPruned() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    store.recordProbe("JPN", now.minus(40, ChronoUnit.DAYS), 1200L, null);
    store.recordProbe("JPN", now, null, "UNAVAILABLE");
    store.recordLinkState(
        "JPN", LinkState.LINK_STATE_UNSPECIFIED, LinkState.LINK_STATE_GREEN, now, "up");
    store.recordLinkState(
        "JPN", LinkState.LINK_STATE_GREEN, LinkState.LINK_STATE_RED, now, "3 misses");
    store.recordLinkState(
        "USA", LinkState.LINK_STATE_UNSPECIFIED, LinkState.LINK_STATE_AMBER, now, "slow");

    store.pruneProbes(now.minus(30, ChronoUnit.DAYS));

    assertThat(store.lastLinkStates())
        .containsEntry("JPN", LinkState.LINK_STATE_RED)
        .containsEntry("USA", LinkState.LINK_STATE_AMBER);
  }

  @Test
  void lineTestsAndDeadlinesAreKeptUntilMetOrMissed() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    store.recordLineTest("t-1", "JPN-KOR", 41, now, new byte[32]);
    store.recordLineTest("t-2", "JPN-KOR", 42, now, new byte[32]);
    store.recordLineTest("t-2", "JPN-KOR", 42, now, new byte[32]);
    assertThat(store.lastTestSlots()).containsEntry("JPN-KOR", 42L);

    AckDeadline met =
        new AckDeadline("t-2", "JPN", "JPN-KOR", AlarmKind.ALARM_KIND_TEST_MISSED, now);
    AckDeadline missed =
        new AckDeadline("m-1", "USA", "KOR-USA", AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, now);
    AckDeadline open =
        new AckDeadline("m-1", "JPN", "KOR-USA", AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED, now);
    assertThat(store.addDeadline(met)).isTrue();
    assertThat(store.addDeadline(met)).isFalse();
    store.addDeadline(missed);
    store.addDeadline(open);
    store.acknowledgeDeadline("t-2", "JPN", "jpn-watch-officer", now);
    store.missDeadline("m-1", "USA", now);

    assertThat(store.openDeadlines())
        .filteredOn(d -> d.messageId().startsWith("m-1") || d.messageId().equals("t-2"))
        .containsExactly(open);
  }

  @Test
  void anAlarmIsSavedUpdatedWithItsStepsAndOpenUntilAcknowledged() {
    Instant raised = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Alarm alarm =
        Alarm.newBuilder()
            .setId("a-1")
            .setKind(AlarmKind.ALARM_KIND_LINK_RED)
            .setPeer("JPN")
            .setDetail("the link to JPN is RED")
            .setLevel(EscalationLevel.ESCALATION_LEVEL_WATCH_OFFICER)
            .setRaisedAt(WireMapping.timestamp(raised))
            .build();
    store.saveAlarm(new StoredAlarm(alarm, raised, raised));
    store.recordAlarmStep("a-1", "RAISED", alarm.getLevel(), "kor-hotline", raised);
    Instant later = raised.plusSeconds(180);
    Alarm escalated =
        alarm.toBuilder().setLevel(EscalationLevel.ESCALATION_LEVEL_ADVISER).setRepeats(2).build();
    store.saveAlarm(new StoredAlarm(escalated, later, later));
    store.recordAlarmStep("a-1", "ESCALATED:ADVISER", escalated.getLevel(), "kor-hotline", later);

    assertThat(store.openAlarms())
        .filteredOn(a -> a.alarm().getId().equals("a-1"))
        .containsExactly(new StoredAlarm(escalated, later, later));

    Alarm acknowledged =
        escalated.toBuilder()
            .setAcknowledgedBy("kor-nsa")
            .setAcknowledgedAt(WireMapping.timestamp(later))
            .build();
    store.saveAlarm(new StoredAlarm(acknowledged, later, later));
    assertThat(store.openAlarms()).noneMatch(a -> a.alarm().getId().equals("a-1"));
    assertThat(store.alarm("a-1").orElseThrow().alarm().getAcknowledgedBy()).isEqualTo("kor-nsa");
    assertThat(store.alarm("no-such")).isEmpty();
  }
}
