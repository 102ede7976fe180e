package org.alliedexchange.audit.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.PublicKey;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;
import org.alliedexchange.api.audit.v1.AgreementStatus;
import org.alliedexchange.api.audit.v1.AgreementStatusChanged;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.Checkpoint;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.GetCheckpointRequest;
import org.alliedexchange.api.audit.v1.GetCheckpointResponse;
import org.alliedexchange.api.audit.v1.GetComplianceReportRequest;
import org.alliedexchange.api.audit.v1.GetComplianceReportResponse;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.VerifyChainRequest;
import org.alliedexchange.api.audit.v1.VerifyChainResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.chain.ChainHash;
import org.alliedexchange.audit.chain.ChainVerifier;
import org.alliedexchange.audit.query.RecordLabels;
import org.alliedexchange.audit.query.RecordQuery;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.audit.store.ChainAudit;
import org.alliedexchange.audit.store.Checkpoints;
import org.alliedexchange.audit.store.ComplianceReport;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.accesstoken.Caller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auditors' API. Every call needs the auditor role, and an auditor reads only the relationships its
 * own nation is party to ("JPN-KOR" and "KOR" for a KOR auditor): asking for another is refused, and
 * every answer is labelled for the auditor's nation (see {@link RecordLabels}) so the gateway's guard
 * checks it again on the way out.
 */
public final class AuditGrpcService extends AuditServiceGrpc.AuditServiceImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(AuditGrpcService.class);
  private static final Pattern RELATIONSHIP = Pattern.compile("[A-Z]{3}(-[A-Z]{3})?");
  private static final Pattern NATION = Pattern.compile("[A-Z]{3}");
  static final int DEFAULT_PAGE = 100;
  static final int MAX_PAGE = 1_000;
  /** The longest period one report covers. */
  static final int MAX_REPORT_DAYS = 3_660;

  private final AuditLog log;
  private final RecordQuery query;
  private final RecordLabels labels;
  private final ChainAudit chains;
  private final Checkpoints checkpoints;
  private final ComplianceReport reports;
  private final PublicKey checkpointKey;
  private final String checkpointKeyPem;
  private final ExecutorService streams;
  private final Duration stallLimit;

  public AuditGrpcService(AuditLog log, RecordQuery query, RecordLabels labels, ChainAudit chains, Checkpoints checkpoints,
      ComplianceReport reports, NationalKey checkpointKey, ExecutorService streams, Duration stallLimit) {
    this.log = log;
    this.query = query;
    this.labels = labels;
    this.chains = chains;
    this.checkpoints = checkpoints;
    this.reports = reports;
    this.checkpointKey = checkpointKey.keyPair().getPublic();
    this.checkpointKeyPem = checkpointKey.publicKeyPem();
    this.streams = streams;
    this.stallLimit = stallLimit;
  }

  @Override
  public void queryRecords(QueryRecordsRequest request, StreamObserver<QueryRecordsResponse> responses) {
    int page = request.getPageSize() == 0 ? DEFAULT_PAGE : (int) Math.min(request.getPageSize(), MAX_PAGE);
    stream(request, page, (ServerCallStreamObserver<QueryRecordsResponse>) responses);
  }

  @Override
  public void exportRecords(QueryRecordsRequest request, StreamObserver<QueryRecordsResponse> responses) {
    stream(request.toBuilder().clearCursor().build(), Integer.MAX_VALUE, (ServerCallStreamObserver<QueryRecordsResponse>) responses);
  }

  private void stream(QueryRecordsRequest request, int limit, ServerCallStreamObserver<QueryRecordsResponse> responses) {
    Caller auditor = auditor();
    RecordQuery.Filter filter = filter(request, auditor);
    ReadyStream<QueryRecordsResponse> out = new ReadyStream<>(responses, stallLimit);
    try {
      streams.execute(() -> {
        try {
          int[] sent = {0};
          query.stream(filter, row -> {
            SecurityLabel label = labels.forRecord(row.event(), auditor.nation());
            QueryRecordsResponse.Builder record = QueryRecordsResponse.newBuilder()
                .setRelationship(row.position().relationship())
                .setSequence(row.position().sequence())
                .setHash(ByteString.copyFrom(row.hash()))
                .setCursor(row.position().cursor())
                .setEventDigest(ByteString.copyFrom(ChainHash.digest(row.eventBytes())))
                .setRecordedAt(timestamp(row.recordedAt()));
            if (RecordLabels.readable(label, auditor.clearance())) {
              record.setLabel(label).setEvent(row.event()).setEventBytes(ByteString.copyFrom(row.eventBytes()));
            } else {
              // the link alone: the chain stays checkable, the record stays with those cleared for it
              record.setLabel(labels.forAnswer(RecordLabels.CHAIN_LEVEL, auditor.nation())).setRedacted(true);
            }
            return out.send(record.build()) && ++sent[0] < limit;
          });
          if (!out.cancelled()) {
            responses.onCompleted();
          }
        } catch (StatusRuntimeException e) {
          end(responses, out, e.getStatus());
        } catch (SQLException | RuntimeException e) {
          LOG.error("an audit query for {} failed", auditor.system(), e);
          end(responses, out, Status.UNAVAILABLE.withDescription("the audit log could not be read; retry, and report it if it persists"));
        }
      });
    } catch (RejectedExecutionException e) {
      throw Status.RESOURCE_EXHAUSTED.withDescription("the audit service is answering as many queries as it can; retry shortly")
          .asRuntimeException();
    }
  }

  private static void end(ServerCallStreamObserver<?> responses, ReadyStream<?> out, Status status) {
    if (!out.cancelled()) {
      try {
        responses.onError(status.asRuntimeException());
      } catch (IllegalStateException alreadyClosed) {
        // the call ended meanwhile
      }
    }
  }

  @Override
  public void verifyChain(VerifyChainRequest request, StreamObserver<VerifyChainResponse> responses) {
    Caller auditor = auditor();
    String relationship = visibleRelationship(request.getRelationship(), auditor);
    try {
      // one read of the checkpoint: the one verified against is the one shown
      org.alliedexchange.audit.chain.Checkpoint checkpoint = checkpoints.latest(relationship);
      ChainVerifier.Result result = chains.verify(relationship, checkpoint);
      VerifyChainResponse.Builder response = VerifyChainResponse.newBuilder()
          .setLabel(labels.forAnswer(RecordLabels.CHAIN_LEVEL, auditor.nation()))
          .setVerified(result.verified())
          .setRecordsChecked(result.checked())
          .setFirstBadSequence(result.firstBad())
          .setDetail(result.detail());
      if (checkpoint != null) {
        response.setCheckpoint(toProto(checkpoint));
      }
      responses.onNext(response.build());
      responses.onCompleted();
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  @Override
  public void getCheckpoint(GetCheckpointRequest request, StreamObserver<GetCheckpointResponse> responses) {
    Caller auditor = auditor();
    String relationship = visibleRelationship(request.getRelationship(), auditor);
    try {
      org.alliedexchange.audit.chain.Checkpoint checkpoint = checkpoints.latest(relationship);
      GetCheckpointResponse.Builder response = GetCheckpointResponse.newBuilder()
          .setLabel(labels.forAnswer(RecordLabels.CHAIN_LEVEL, auditor.nation()));
      if (checkpoint != null) {
        response.setCheckpoint(toProto(checkpoint));
      }
      responses.onNext(response.build());
      responses.onCompleted();
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  @Override
  public void getComplianceReport(GetComplianceReportRequest request, StreamObserver<GetComplianceReportResponse> responses) {
    Caller auditor = auditor();
    String relationship = visibleRelationship(request.getRelationship(), auditor);
    if (!relationship.contains("-")) {
      throw invalid("a compliance report is of a bilateral relationship, like JPN-KOR, not " + relationship);
    }
    LocalDate to = request.getToDay().isEmpty() ? LocalDate.now(ZoneOffset.UTC) : day(request.getToDay(), "to_day");
    LocalDate from = request.getFromDay().isEmpty() ? to.minusDays(29) : day(request.getFromDay(), "from_day");
    if (from.isAfter(to)) {
      throw invalid("from_day " + from + " is after to_day " + to);
    }
    if (from.plusDays(MAX_REPORT_DAYS).isBefore(to)) {
      throw invalid("a report covers at most " + MAX_REPORT_DAYS + " days; ask for " + from + " to " + from.plusDays(MAX_REPORT_DAYS - 1)
          + " and on from there");
    }
    try {
      ComplianceReport.Report report = reports.report(relationship, from, to);
      GetComplianceReportResponse.Builder response = GetComplianceReportResponse.newBuilder()
          .setLabel(labels.forAnswer(RecordLabels.SUMMARY_LEVEL, auditor.nation()))
          .setRelationship(relationship)
          .setFromDay(from.toString())
          .setToDay(to.toString());
      for (ComplianceReport.Flow flow : report.flows()) {
        response.addFlowsBuilder().setFrom(flow.from()).setTo(flow.to())
            .setLevel(enumOr(ClassificationLevel.class, "CLASSIFICATION_LEVEL_" + flow.level(), ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED))
            .setReleased(flow.released()).setRefused(flow.refused());
      }
      for (ComplianceReport.Refusals refusals : report.refusals()) {
        refusals.byReason().forEach((reason, count) -> response.addRefusalsBuilder().setFrom(refusals.from()).setTo(refusals.to())
            .setReason(enumOr(DenyReason.class, "DENY_REASON_" + reason, DenyReason.DENY_REASON_UNSPECIFIED)).setCount(count));
      }
      ComplianceReport.Balance balance = report.balance();
      response.getBalanceBuilder().setA(balance.a()).setB(balance.b()).setAToB(balance.aToB()).setBToA(balance.bToA())
          .setDifference(balance.difference());
      for (ComplianceReport.AgreementChange change : report.agreementChanges()) {
        response.addAgreementChanges(AgreementStatusChanged.newBuilder()
            .setAgreementId(change.agreementId())
            .addAllParties(Arrays.asList(relationship.split("-")))
            .setPreviousStatus(enumOr(AgreementStatus.class, "AGREEMENT_STATUS_" + change.from(), AgreementStatus.AGREEMENT_STATUS_UNSPECIFIED))
            .setStatus(enumOr(AgreementStatus.class, "AGREEMENT_STATUS_" + change.to(), AgreementStatus.AGREEMENT_STATUS_UNSPECIFIED))
            .setEffectiveAt(timestamp(change.at()))
            .setChangedBy(change.changedBy())
            .setReason(change.reason()));
      }
      response.putAllIdentityChanges(report.identityChanges());
      // the report read the checkpoint and checked its signature: shown as read, not read again
      if (report.checkpoint() != null) {
        response.setCheckpoint(toProto(report.checkpoint().checkpoint()))
            .setCheckpointSignatureValid(report.checkpoint().signatureValid());
      }
      responses.onNext(response.build());
      responses.onCompleted();
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  private static Caller auditor() {
    Caller caller = AuthenticationInterceptor.caller();
    if (!caller.hasRole(Caller.AUDITOR)) {
      throw Status.PERMISSION_DENIED.withDescription(caller.system() + " lacks the role " + Caller.AUDITOR + " that the audit log needs")
          .asRuntimeException();
    }
    if (caller.nation() == null || !NATION.matcher(caller.nation()).matches()) {
      throw Status.PERMISSION_DENIED.withDescription(caller.system() + " has no nation, so no relationship of its own to audit")
          .asRuntimeException();
    }
    return caller;
  }

  private RecordQuery.Filter filter(QueryRecordsRequest request, Caller auditor) {
    List<String> relationships = request.getRelationship().isEmpty() ? visibleRelationships(auditor)
        : List.of(visibleRelationship(request.getRelationship(), auditor));
    if (relationships.isEmpty()) {
      relationships = List.of(auditor.nation());
    }
    RecordQuery.Position after = null;
    if (!request.getCursor().isEmpty()) {
      try {
        after = RecordQuery.Position.parse(request.getCursor());
      } catch (IllegalArgumentException e) {
        throw invalid(e.getMessage());
      }
      if (!partyTo(after.relationship(), auditor.nation())) {
        throw invalid("the cursor " + request.getCursor() + " is not one given to an auditor of " + auditor.nation());
      }
    }
    Instant from = request.hasFrom() ? instant(request.getFrom()) : null;
    Instant to = request.hasTo() ? instant(request.getTo()) : null;
    if (from != null && to != null && !from.isBefore(to)) {
      throw invalid("from " + from + " is not before to " + to);
    }
    if (request.getDecision() == Decision.UNRECOGNIZED || request.getReason() == DenyReason.UNRECOGNIZED
        || request.getLevel() == ClassificationLevel.UNRECOGNIZED) {
      throw invalid("decision, reason or level is a value this service does not know");
    }
    nationFilter(request.getFromNation(), "from_nation");
    nationFilter(request.getToNation(), "to_nation");
    return new RecordQuery.Filter(relationships, from, to,
        request.getDecision() == Decision.DECISION_UNSPECIFIED ? null : request.getDecisionValue(),
        request.getReason() == DenyReason.DENY_REASON_UNSPECIFIED ? null : request.getReason(),
        request.getProductId(), request.getSystem(), request.getFromNation(), request.getToNation(),
        request.getLevel() == ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED ? null : request.getLevelValue(), after);
  }

  private static void nationFilter(String nation, String field) {
    if (!nation.isEmpty() && !NATION.matcher(nation).matches()) {
      throw invalid(field + " " + nation + " is not an ISO 3166-1 alpha-3 code like KOR");
    }
  }

  /** The relationships in the log that the auditor's nation is party to. */
  private List<String> visibleRelationships(Caller auditor) {
    try {
      return log.relationships().stream().filter(r -> partyTo(r, auditor.nation())).toList();
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  private static String visibleRelationship(String relationship, Caller auditor) {
    if (relationship.isEmpty()) {
      throw invalid("name a relationship, like " + auditor.nation() + "-USA or " + auditor.nation());
    }
    if (!RELATIONSHIP.matcher(relationship).matches()) {
      throw invalid("a relationship is one nation (KOR) or two in alphabetical order (JPN-KOR), not " + relationship);
    }
    String[] nations = relationship.split("-");
    if (nations.length == 2 && nations[0].compareTo(nations[1]) >= 0) {
      throw invalid("name the nations of a relationship in alphabetical order: "
          + org.alliedexchange.audit.chain.Relationships.between(nations[0], nations[1]) + ", not " + relationship);
    }
    if (!partyTo(relationship, auditor.nation())) {
      throw Status.PERMISSION_DENIED.withDescription("an auditor of " + auditor.nation() + " reads only the relationships "
          + auditor.nation() + " is party to, not " + relationship).asRuntimeException();
    }
    return relationship;
  }

  static boolean partyTo(String relationship, String nation) {
    return Arrays.asList(relationship.split("-")).contains(nation);
  }

  private Checkpoint toProto(org.alliedexchange.audit.chain.Checkpoint checkpoint) {
    return Checkpoint.newBuilder()
        .setRelationship(checkpoint.relationship())
        .setSequence(checkpoint.sequence())
        .setHeadHash(ByteString.copyFrom(checkpoint.headHash()))
        .setIssuedAt(timestamp(checkpoint.issuedAt()))
        .setKeyId(NationalKey.keyId(checkpointKey))
        .setSignature(ByteString.copyFrom(checkpoint.signature()))
        .setPublicKeyPem(checkpointKeyPem)
        .build();
  }

  private static LocalDate day(String text, String field) {
    try {
      return LocalDate.parse(text);
    } catch (DateTimeParseException e) {
      throw invalid(field + " " + text + " is not a day like 2026-11-21");
    }
  }

  private static <E extends Enum<E>> E enumOr(Class<E> type, String name, E otherwise) {
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException e) {
      return otherwise;
    }
  }

  private static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  private static StatusRuntimeException unavailable(SQLException e) {
    LOG.error("the audit log could not be read", e);
    return Status.UNAVAILABLE.withDescription("the audit log could not be read; retry, and report it if it persists").asRuntimeException();
  }
}
