package org.alliedexchange.audit.grpc;

import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.audit.chain.AuditorScope;
import org.alliedexchange.audit.query.RecordQuery;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.label.WireMapping;

/**
 * An auditor's query request as a {@link RecordQuery.Filter}: checked field by field
 * (INVALID_ARGUMENT naming the field), and narrowed to the relationships the auditor's scope reads.
 */
final class RecordFilters {

  private final AuditLog log;

  RecordFilters(AuditLog log) {
    this.log = log;
  }

  RecordQuery.Filter filter(QueryRecordsRequest request, AuditorScope auditor) {
    List<String> relationships =
        request.getRelationship().isEmpty()
            ? visibleRelationships(auditor)
            : List.of(AuditorCalls.relationship(auditor, request.getRelationship()));
    RecordQuery.Position after = null;
    if (!request.getCursor().isEmpty()) {
      try {
        after = RecordQuery.Position.parse(request.getCursor());
      } catch (IllegalArgumentException e) {
        throw AuditGrpcService.invalid(e.getMessage());
      }
      if (!auditor.covers(after.relationship())) {
        throw AuditGrpcService.invalid(
            "the cursor "
                + request.getCursor()
                + " is not one given to an auditor of "
                + auditor.nation());
      }
    }
    Instant from = request.hasFrom() ? WireMapping.instant(request.getFrom()) : null;
    Instant to = request.hasTo() ? WireMapping.instant(request.getTo()) : null;
    if (from != null && to != null && !from.isBefore(to)) {
      throw AuditGrpcService.invalid("from " + from + " is not before to " + to);
    }
    if (request.getDecision() == Decision.UNRECOGNIZED
        || request.getReason() == DenyReason.UNRECOGNIZED
        || request.getLevel() == ClassificationLevel.UNRECOGNIZED) {
      throw AuditGrpcService.invalid(
          "decision, reason or level is a value this service does not know");
    }
    nationFilter(request.getFromNation(), "from_nation");
    nationFilter(request.getToNation(), "to_nation");
    return new RecordQuery.Filter(
        relationships,
        from,
        to,
        request.getDecision() == Decision.DECISION_UNSPECIFIED ? null : request.getDecisionValue(),
        request.getReason() == DenyReason.DENY_REASON_UNSPECIFIED ? null : request.getReason(),
        request.getProductId(),
        request.getSystem(),
        request.getFromNation(),
        request.getToNation(),
        request.getLevel() == ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED
            ? null
            : request.getLevelValue(),
        after);
  }

  private static void nationFilter(String nation, String field) {
    if (!nation.isEmpty() && !AuditorScope.isNation(nation)) {
      throw AuditGrpcService.invalid(
          field + " " + nation + " is not an ISO 3166-1 alpha-3 code like KOR");
    }
  }

  /** The relationships in the log that the auditor reads (its own chain when there are none). */
  private List<String> visibleRelationships(AuditorScope auditor) {
    try {
      return auditor.visible(log.relationships());
    } catch (SQLException e) {
      throw AuditGrpcService.unavailable(e);
    }
  }
}
