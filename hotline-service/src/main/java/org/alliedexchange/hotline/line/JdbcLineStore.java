package org.alliedexchange.hotline.line;

import com.google.protobuf.Timestamp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.EscalationLevel;
import org.alliedexchange.api.hotline.v1.LinkState;

/** The line's records in the node's PostgreSQL (migration V2__line.sql). */
public final class JdbcLineStore implements LineStore {

  private static final String ALARM_COLUMNS =
      "id, kind, conference, message_id, peer, detail, level, raised_at, repeats, last_step_at,"
          + " level_since, acknowledged_by, acknowledged_at";

  private final DataSource dataSource;

  public JdbcLineStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public void recordProbe(String peer, Instant at, Long roundTripUs, String error) {
    update(
        "INSERT INTO line_probe (peer, probed_at, round_trip_us, error) VALUES (?, ?, ?, ?)",
        peer,
        at,
        roundTripUs,
        roundTripUs == null ? (error == null ? "no answer" : clip(error)) : null);
  }

  @Override
  public void pruneProbes(Instant before) {
    update("DELETE FROM line_probe WHERE probed_at < ?", before);
  }

  @Override
  public void recordLinkState(
      String peer, LinkState previous, LinkState state, Instant at, String reason) {
    update(
        "INSERT INTO link_state_change (peer, previous_state, state, at, reason) VALUES (?, ?, ?, ?, ?)",
        peer,
        previous.getNumber(),
        state.getNumber(),
        at,
        clip(reason));
  }

  @Override
  public Map<String, LinkState> lastLinkStates() {
    Map<String, LinkState> states = new HashMap<>();
    query(
        "SELECT DISTINCT ON (peer) peer, state FROM link_state_change ORDER BY peer, id DESC",
        rows -> {
          LinkState state = LinkState.forNumber(rows.getInt(2));
          states.put(rows.getString(1), state == null ? LinkState.LINK_STATE_UNSPECIFIED : state);
        });
    return states;
  }

  @Override
  public void recordLineTest(
      String messageId, String conference, long slot, Instant sentAt, byte[] head) {
    update(
        "INSERT INTO line_test (message_id, conference, slot, sent_at, head_hash) VALUES (?, ?, ?, ?, ?)"
            + " ON CONFLICT DO NOTHING",
        messageId,
        conference,
        slot,
        sentAt,
        head);
  }

  @Override
  public Map<String, Long> lastTestSlots() {
    Map<String, Long> slots = new HashMap<>();
    query(
        "SELECT conference, max(slot) FROM line_test GROUP BY conference",
        rows -> slots.put(rows.getString(1), rows.getLong(2)));
    return slots;
  }

  @Override
  public boolean addDeadline(AckDeadline deadline) {
    return update(
            "INSERT INTO ack_deadline (message_id, party, conference, raises, due_at) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING",
            deadline.messageId(),
            deadline.party(),
            deadline.conference(),
            deadline.raises().getNumber(),
            deadline.dueAt())
        == 1;
  }

  @Override
  public void acknowledgeDeadline(String messageId, String party, String by, Instant at) {
    update(
        "UPDATE ack_deadline SET acknowledged_by = ?, acknowledged_at = ?"
            + " WHERE message_id = ? AND party = ? AND acknowledged_at IS NULL",
        clip(by),
        at,
        messageId,
        party);
  }

  @Override
  public void missDeadline(String messageId, String party, Instant at) {
    update(
        "UPDATE ack_deadline SET missed_at = ? WHERE message_id = ? AND party = ? AND missed_at IS NULL",
        at,
        messageId,
        party);
  }

  @Override
  public List<AckDeadline> openDeadlines() {
    List<AckDeadline> open = new ArrayList<>();
    query(
        "SELECT message_id, party, conference, raises, due_at FROM ack_deadline"
            + " WHERE acknowledged_at IS NULL AND missed_at IS NULL ORDER BY due_at",
        rows ->
            open.add(
                new AckDeadline(
                    rows.getString(1),
                    rows.getString(2),
                    rows.getString(3),
                    AlarmKind.forNumber(rows.getInt(4)),
                    instant(rows, 5))));
    return open;
  }

  @Override
  public void saveAlarm(StoredAlarm stored) {
    Alarm alarm = stored.alarm();
    update(
        "INSERT INTO alarm ("
            + ALARM_COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            + " detail = excluded.detail, level = excluded.level, repeats = excluded.repeats,"
            + " last_step_at = excluded.last_step_at, level_since = excluded.level_since,"
            + " acknowledged_by = excluded.acknowledged_by, acknowledged_at = excluded.acknowledged_at",
        alarm.getId(),
        alarm.getKindValue(),
        alarm.getConference(),
        alarm.getMessageId(),
        alarm.getPeer(),
        alarm.getDetail(),
        alarm.getLevelValue(),
        instant(alarm.getRaisedAt()),
        alarm.getRepeats(),
        stored.lastStepAt(),
        stored.levelSince(),
        alarm.getAcknowledgedBy().isEmpty() ? null : alarm.getAcknowledgedBy(),
        alarm.hasAcknowledgedAt() ? instant(alarm.getAcknowledgedAt()) : null);
  }

  @Override
  public void recordAlarmStep(
      String alarmId, String step, EscalationLevel level, String actor, Instant at) {
    update(
        "INSERT INTO alarm_step (alarm_id, step, level, actor, at) VALUES (?, ?, ?, ?, ?)",
        alarmId,
        step,
        level.getNumber(),
        actor,
        at);
  }

  @Override
  public List<StoredAlarm> openAlarms() {
    List<StoredAlarm> alarms = new ArrayList<>();
    query(
        "SELECT "
            + ALARM_COLUMNS
            + " FROM alarm WHERE acknowledged_at IS NULL ORDER BY raised_at, id",
        rows -> alarms.add(alarm(rows)));
    return alarms;
  }

  @Override
  public Optional<StoredAlarm> alarm(String id) {
    List<StoredAlarm> alarms = new ArrayList<>();
    query(
        "SELECT " + ALARM_COLUMNS + " FROM alarm WHERE id = ?",
        rows -> alarms.add(alarm(rows)),
        id);
    return alarms.stream().findFirst();
  }

  private static StoredAlarm alarm(ResultSet rows) throws SQLException {
    Alarm.Builder alarm =
        Alarm.newBuilder()
            .setId(rows.getString(1))
            .setKindValue(rows.getInt(2))
            .setConference(rows.getString(3))
            .setMessageId(rows.getString(4))
            .setPeer(rows.getString(5))
            .setDetail(rows.getString(6))
            .setLevelValue(rows.getInt(7))
            .setRaisedAt(timestamp(instant(rows, 8)))
            .setRepeats(rows.getInt(9));
    if (rows.getString(12) != null) {
      alarm.setAcknowledgedBy(rows.getString(12));
    }
    if (rows.getObject(13) != null) {
      alarm.setAcknowledgedAt(timestamp(instant(rows, 13)));
    }
    return new StoredAlarm(alarm.build(), instant(rows, 10), instant(rows, 11));
  }

  // ----- JDBC -----

  private interface RowReader {
    void read(ResultSet rows) throws SQLException;
  }

  private int update(String sql, Object... parameters) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("the line's store failed: " + e.getMessage(), e);
    }
  }

  private void query(String sql, RowReader reader, Object... parameters) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          reader.read(rows);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("the line's store failed: " + e.getMessage(), e);
    }
  }

  private static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
    for (int i = 0; i < parameters.length; i++) {
      Object value = parameters[i];
      if (value instanceof Instant at) {
        statement.setObject(i + 1, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
      } else if (value == null) {
        statement.setNull(i + 1, Types.NULL);
      } else {
        statement.setObject(i + 1, value);
      }
    }
  }

  private static Instant instant(ResultSet rows, int column) throws SQLException {
    return rows.getObject(column, OffsetDateTime.class).toInstant();
  }

  private static Instant instant(Timestamp at) {
    return Instant.ofEpochSecond(at.getSeconds(), at.getNanos());
  }

  private static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }

  private static String clip(String text) {
    return text == null || text.length() <= 2000 ? text : text.substring(0, 2000) + "…";
  }
}
