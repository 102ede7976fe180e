package org.alliedexchange.audit.store;

import com.google.protobuf.InvalidProtocolBufferException;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.audit.chain.Checkpoint;
import org.alliedexchange.audit.chain.CheckpointSigner;
import org.alliedexchange.label.WireMapping;

/**
 * The bilateral compliance report for one relationship and a period of whole days (UTC): transfers
 * each way by level, refusals by reason, the reciprocity balance, agreement status changes,
 * identity changes on either side, the chain's latest signed checkpoint, and the events
 * dead-lettered instead of stored (see {@link DeadLetterCounts}). Transfer and refusal counts come
 * from the rollups kept at ingest, so the report costs the same over ten records or ten million.
 */
public final class ComplianceReport {

  /** Transfers from one nation to the other at one level. */
  public record Flow(String from, String to, String level, long released, long refused) {}

  /** Refusals one way, by reason. */
  public record Refusals(String from, String to, Map<String, Long> byReason) {}

  /** Released transfers each way, and the difference. */
  public record Balance(String a, String b, long aToB, long bToA, long difference) {}

  /** One agreement status change in the period. */
  public record AgreementChange(
      Instant at, String agreementId, String from, String to, String changedBy, String reason) {}

  /** The chain's latest checkpoint and whether its signature holds. */
  public record CheckpointStatus(
      long sequence, Instant issuedAt, boolean signatureValid, Checkpoint checkpoint) {}

  public record Report(
      String relationship,
      LocalDate from,
      LocalDate to,
      List<Flow> flows,
      List<Refusals> refusals,
      Balance balance,
      List<AgreementChange> agreementChanges,
      Map<String, Long> identityChanges,
      CheckpointStatus checkpoint,
      DeadLetterCounts deadLetters) {}

  /**
   * Events the audit service could not store, dead-lettered in the period: those attributed to this
   * relationship or to either nation's own chain, and those no relationship could be determined for
   * (which every report shows, since any relationship may have lost them).
   */
  public record DeadLetterCounts(long attributed, long unattributed) {}

  private final DataSource dataSource;
  private final Checkpoints checkpoints;
  private final PublicKey checkpointKey;

  public ComplianceReport(DataSource dataSource, Checkpoints checkpoints, PublicKey checkpointKey) {
    this.dataSource = dataSource;
    this.checkpoints = checkpoints;
    this.checkpointKey = checkpointKey;
  }

  /**
   * @param relationship two nations, "JPN-KOR"; {@code to} is inclusive
   */
  public Report report(String relationship, LocalDate from, LocalDate to) throws SQLException {
    String[] nations = relationship.split("-");
    if (nations.length != 2) {
      throw new IllegalArgumentException(
          "a bilateral relationship names two nations, like JPN-KOR, not " + relationship);
    }
    try (Connection connection = dataSource.getConnection()) {
      List<Flow> flows = flows(connection, relationship, from, to);
      long aToB =
          flows.stream().filter(f -> f.from().equals(nations[0])).mapToLong(Flow::released).sum();
      long bToA =
          flows.stream().filter(f -> f.from().equals(nations[1])).mapToLong(Flow::released).sum();
      Checkpoint checkpoint = checkpoints.latest(relationship);
      return new Report(
          relationship,
          from,
          to,
          flows,
          refusals(connection, relationship, from, to),
          new Balance(nations[0], nations[1], aToB, bToA, aToB - bToA),
          agreementChanges(connection, relationship, from, to),
          identityChanges(connection, nations, from, to),
          checkpoint == null
              ? null
              : new CheckpointStatus(
                  checkpoint.sequence(),
                  checkpoint.issuedAt(),
                  CheckpointSigner.verifies(checkpoint, checkpointKey),
                  checkpoint),
          deadLetters(connection, relationship, nations, from, to));
    }
  }

  private static DeadLetterCounts deadLetters(
      Connection connection, String relationship, String[] nations, LocalDate from, LocalDate to)
      throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            """
        SELECT count(*) FILTER (WHERE relationships && ?), count(*) FILTER (WHERE cardinality(relationships) = 0)
        FROM dead_letter WHERE dead_at >= ? AND dead_at < ?""")) {
      query.setArray(
          1, connection.createArrayOf("text", new String[] {relationship, nations[0], nations[1]}));
      query.setTimestamp(2, Timestamp.from(from.atStartOfDay(ZoneOffset.UTC).toInstant()));
      query.setTimestamp(
          3, Timestamp.from(to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()));
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return new DeadLetterCounts(rows.getLong(1), rows.getLong(2));
      }
    }
  }

  private static List<Flow> flows(
      Connection connection, String relationship, LocalDate from, LocalDate to)
      throws SQLException {
    List<Flow> flows = new ArrayList<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            """
        SELECT originator, recipient, level, sum(count) FILTER (WHERE decision = 1), sum(count) FILTER (WHERE decision = 2)
        FROM transfer_rollup WHERE relationship = ? AND day BETWEEN ? AND ?
        GROUP BY originator, recipient, level ORDER BY originator, recipient, level""")) {
      bind(query, relationship, from, to);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          ClassificationLevel level = ClassificationLevel.forNumber(rows.getShort(3));
          flows.add(
              new Flow(
                  rows.getString(1),
                  rows.getString(2),
                  level == null ? "UNRECOGNIZED" : WireMapping.shortName(level),
                  rows.getLong(4),
                  rows.getLong(5)));
        }
      }
    }
    return flows;
  }

  private static List<Refusals> refusals(
      Connection connection, String relationship, LocalDate from, LocalDate to)
      throws SQLException {
    Map<String, Refusals> byDirection = new LinkedHashMap<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            """
        SELECT originator, recipient, reason, sum(count) FROM refusal_rollup WHERE relationship = ? AND day BETWEEN ? AND ?
        GROUP BY originator, recipient, reason ORDER BY originator, recipient, reason""")) {
      bind(query, relationship, from, to);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          String originator = rows.getString(1);
          String recipient = rows.getString(2);
          DenyReason reason = DenyReason.forNumber(rows.getShort(3));
          byDirection
              .computeIfAbsent(
                  originator + ">" + recipient,
                  k -> new Refusals(originator, recipient, new LinkedHashMap<>()))
              .byReason()
              .put(
                  reason == null ? "UNRECOGNIZED" : WireMapping.shortName(reason), rows.getLong(4));
        }
      }
    }
    return List.copyOf(byDirection.values());
  }

  private static List<AgreementChange> agreementChanges(
      Connection connection, String relationship, LocalDate from, LocalDate to)
      throws SQLException {
    List<AgreementChange> changes = new ArrayList<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            """
        SELECT event FROM audit_record WHERE relationship = ? AND event_type = 'agreement_status_changed'
          AND occurred_at >= ? AND occurred_at < ? ORDER BY sequence""")) {
      bindTimes(query, relationship, from, to);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          AuditEvent event = parse(rows.getBytes(1));
          var change = event.getAgreementStatusChanged();
          changes.add(
              new AgreementChange(
                  WireMapping.instant(change.getEffectiveAt()),
                  change.getAgreementId(),
                  WireMapping.shortName(change.getPreviousStatus()),
                  WireMapping.shortName(change.getStatus()),
                  change.getChangedBy(),
                  change.getReason()));
        }
      }
    }
    return changes;
  }

  private static Map<String, Long> identityChanges(
      Connection connection, String[] nations, LocalDate from, LocalDate to) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            """
        SELECT count(*) FROM audit_record WHERE relationship = ? AND event_type = 'identity_changed'
          AND occurred_at >= ? AND occurred_at < ?""")) {
      for (String nation : nations) {
        bindTimes(query, nation, from, to);
        try (ResultSet rows = query.executeQuery()) {
          rows.next();
          counts.put(nation, rows.getLong(1));
        }
      }
    }
    return counts;
  }

  private static void bind(
      PreparedStatement query, String relationship, LocalDate from, LocalDate to)
      throws SQLException {
    query.setString(1, relationship);
    query.setDate(2, Date.valueOf(from));
    query.setDate(3, Date.valueOf(to));
  }

  private static void bindTimes(
      PreparedStatement query, String relationship, LocalDate from, LocalDate to)
      throws SQLException {
    query.setString(1, relationship);
    query.setTimestamp(2, Timestamp.from(from.atStartOfDay(ZoneOffset.UTC).toInstant()));
    query.setTimestamp(3, Timestamp.from(to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()));
  }

  private static AuditEvent parse(byte[] bytes) throws SQLException {
    try {
      return AuditEvent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("a stored event is not an AuditEvent: " + e.getMessage(), e);
    }
  }
}
