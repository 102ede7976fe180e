package org.alliedexchange.audit.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.PublicKey;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.audit.v1.AgreementStatus;
import org.alliedexchange.api.audit.v1.AgreementStatusChanged;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.Checkpoint;
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
import org.alliedexchange.audit.chain.AuditorScope;
import org.alliedexchange.audit.chain.ChainVerifier;
import org.alliedexchange.audit.chain.ReportSigner;
import org.alliedexchange.audit.query.RecordLabels;
import org.alliedexchange.audit.query.RecordQuery;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.audit.store.ChainAudit;
import org.alliedexchange.audit.store.Checkpoints;
import org.alliedexchange.audit.store.ComplianceReport;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auditors' API. Every call needs the auditor role, and an auditor reads only the relationships
 * its own nation is party to ("JPN-KOR" and "KOR" for a KOR auditor; see {@link AuditorScope}):
 * asking for another is refused, and every answer is labelled for the auditor's nation (see {@link
 * RecordLabels}) so the gateway's guard checks it again on the way out. Queries are checked by
 * {@link RecordFilters} and streamed by {@link RecordStream}.
 */
public final class AuditGrpcService extends AuditServiceGrpc.AuditServiceImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(AuditGrpcService.class);
  static final int DEFAULT_PAGE = 100;
  static final int MAX_PAGE = 1_000;

  /** The longest period one report covers. */
  static final int MAX_REPORT_DAYS = 3_660;

  private final RecordFilters filters;
  private final RecordStream records;
  private final RecordLabels labels;
  private final ChainAudit chains;
  private final Checkpoints checkpoints;
  private final ComplianceReport reports;
  private final PublicKey checkpointKey;
  private final String checkpointKeyPem;
  private final ReportSigner reportSigner;
  private final java.time.Clock clock;

  public AuditGrpcService(
      AuditLog log,
      RecordQuery query,
      RecordLabels labels,
      ChainAudit chains,
      Checkpoints checkpoints,
      ComplianceReport reports,
      NationalKey checkpointKey,
      ExecutorService streams,
      Duration stallLimit) {
    this.filters = new RecordFilters(log);
    this.records = new RecordStream(query, labels, streams, stallLimit);
    this.labels = labels;
    this.chains = chains;
    this.checkpoints = checkpoints;
    this.reports = reports;
    this.checkpointKey = checkpointKey.keyPair().getPublic();
    this.checkpointKeyPem = checkpointKey.publicKeyPem();
    this.reportSigner = new ReportSigner(checkpointKey);
    this.clock = java.time.Clock.systemUTC();
  }

  @Override
  public void queryRecords(
      QueryRecordsRequest request, StreamObserver<QueryRecordsResponse> responses) {
    int page =
        request.getPageSize() == 0 ? DEFAULT_PAGE : (int) Math.min(request.getPageSize(), MAX_PAGE);
    stream(
        "QueryRecords", request, page, (ServerCallStreamObserver<QueryRecordsResponse>) responses);
  }

  @Override
  public void exportRecords(
      QueryRecordsRequest request, StreamObserver<QueryRecordsResponse> responses) {
    stream(
        "ExportRecords",
        request.toBuilder().clearCursor().build(),
        Integer.MAX_VALUE,
        (ServerCallStreamObserver<QueryRecordsResponse>) responses);
  }

  private void stream(
      String method,
      QueryRecordsRequest request,
      int limit,
      ServerCallStreamObserver<QueryRecordsResponse> responses) {
    Caller caller = AuthenticationInterceptor.caller();
    AuditorScope auditor = AuditorCalls.scope(caller, method);
    records.send(filters.filter(request, auditor), auditor, caller.system(), limit, responses);
  }

  @Override
  public void verifyChain(
      VerifyChainRequest request, StreamObserver<VerifyChainResponse> responses) {
    AuditorScope auditor = auditor("VerifyChain");
    String relationship = AuditorCalls.relationship(auditor, request.getRelationship());
    try {
      // one read of the checkpoint: the one verified against is the one shown
      org.alliedexchange.audit.chain.Checkpoint checkpoint = checkpoints.latest(relationship);
      ChainVerifier.Result result = chains.verify(relationship, checkpoint);
      VerifyChainResponse.Builder response =
          VerifyChainResponse.newBuilder()
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
  public void getCheckpoint(
      GetCheckpointRequest request, StreamObserver<GetCheckpointResponse> responses) {
    AuditorScope auditor = auditor("GetCheckpoint");
    String relationship = AuditorCalls.relationship(auditor, request.getRelationship());
    try {
      org.alliedexchange.audit.chain.Checkpoint checkpoint =
          request.getSequence() == 0
              ? checkpoints.latest(relationship)
              : checkpoints.at(relationship, request.getSequence());
      if (checkpoint == null && request.getSequence() != 0) {
        throw Status.NOT_FOUND
            .withDescription(
                "no checkpoint was issued at record "
                    + request.getSequence()
                    + " of "
                    + relationship)
            .asRuntimeException();
      }
      GetCheckpointResponse.Builder response =
          GetCheckpointResponse.newBuilder()
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
  public void getComplianceReport(
      GetComplianceReportRequest request, StreamObserver<GetComplianceReportResponse> responses) {
    Caller caller = AuthenticationInterceptor.caller();
    AuditorScope auditor = AuditorCalls.scope(caller, "GetComplianceReport");
    String relationship = AuditorCalls.relationship(auditor, request.getRelationship());
    if (!relationship.contains("-")) {
      throw invalid(
          "a compliance report is of a bilateral relationship, like JPN-KOR, not " + relationship);
    }
    LocalDate to =
        request.getToDay().isEmpty()
            ? LocalDate.now(ZoneOffset.UTC)
            : day(request.getToDay(), "to_day");
    LocalDate from =
        request.getFromDay().isEmpty() ? to.minusDays(29) : day(request.getFromDay(), "from_day");
    if (from.isAfter(to)) {
      throw invalid("from_day " + from + " is after to_day " + to);
    }
    if (from.plusDays(MAX_REPORT_DAYS).isBefore(to)) {
      throw invalid(
          "a report covers at most "
              + MAX_REPORT_DAYS
              + " days; ask for "
              + from
              + " to "
              + from.plusDays(MAX_REPORT_DAYS - 1)
              + " and on from there");
    }
    try {
      ComplianceReport.Report report = reports.report(relationship, from, to);
      GetComplianceReportResponse.Builder response =
          GetComplianceReportResponse.newBuilder()
              .setLabel(labels.forAnswer(RecordLabels.SUMMARY_LEVEL, auditor.nation()))
              .setRelationship(relationship)
              .setFromDay(from.toString())
              .setToDay(to.toString());
      for (ComplianceReport.Flow flow : report.flows()) {
        response
            .addFlowsBuilder()
            .setFrom(flow.from())
            .setTo(flow.to())
            .setLevel(WireMapping.namedOrUnspecified(ClassificationLevel.class, flow.level()))
            .setReleased(flow.released())
            .setRefused(flow.refused());
      }
      for (ComplianceReport.Refusals refusals : report.refusals()) {
        refusals
            .byReason()
            .forEach(
                (reason, count) ->
                    response
                        .addRefusalsBuilder()
                        .setFrom(refusals.from())
                        .setTo(refusals.to())
                        .setReason(WireMapping.namedOrUnspecified(DenyReason.class, reason))
                        .setCount(count));
      }
      ComplianceReport.Balance balance = report.balance();
      response
          .getBalanceBuilder()
          .setA(balance.a())
          .setB(balance.b())
          .setAToB(balance.aToB())
          .setBToA(balance.bToA())
          .setDifference(balance.difference());
      for (ComplianceReport.AgreementChange change : report.agreementChanges()) {
        response.addAgreementChanges(
            AgreementStatusChanged.newBuilder()
                .setAgreementId(change.agreementId())
                .addAllParties(Arrays.asList(relationship.split("-")))
                .setPreviousStatus(
                    WireMapping.namedOrUnspecified(AgreementStatus.class, change.from()))
                .setStatus(WireMapping.namedOrUnspecified(AgreementStatus.class, change.to()))
                .setEffectiveAt(WireMapping.timestamp(change.at()))
                .setChangedBy(change.changedBy())
                .setReason(change.reason()));
      }
      response.putAllIdentityChanges(report.identityChanges());
      response
          .setDeadLetters(report.deadLetters().attributed())
          .setUnattributedDeadLetters(report.deadLetters().unattributed());
      // the report read the checkpoint and checked its signature: shown as read, not read again
      if (report.checkpoint() != null) {
        response
            .setCheckpoint(toProto(report.checkpoint().checkpoint()))
            .setCheckpointSignatureValid(report.checkpoint().signatureValid());
      }
      // signed as sent: either nation can keep it and check it (allied audit verify-report)
      responses.onNext(
          reportSigner.sign(
              response.build(),
              caller.system() + " (" + auditor.nation() + ")",
              clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
      responses.onCompleted();
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  /**
   * @param method the RPC's proto name, whose rule in the api's access table the caller must meet
   */
  private static AuditorScope auditor(String method) {
    return AuditorCalls.scope(AuthenticationInterceptor.caller(), method);
  }

  private Checkpoint toProto(org.alliedexchange.audit.chain.Checkpoint checkpoint) {
    return Checkpoint.newBuilder()
        .setRelationship(checkpoint.relationship())
        .setSequence(checkpoint.sequence())
        .setHeadHash(ByteString.copyFrom(checkpoint.headHash()))
        .setIssuedAt(WireMapping.timestamp(checkpoint.issuedAt()))
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

  static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  static StatusRuntimeException unavailable(SQLException e) {
    LOG.error("the audit log could not be read", e);
    return Status.UNAVAILABLE
        .withDescription("the audit log could not be read; retry, and report it if it persists")
        .asRuntimeException();
  }
}
