package org.alliedexchange.gateway.auditors;

import com.google.protobuf.MessageOrBuilder;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.GetCheckpointRequest;
import org.alliedexchange.api.audit.v1.GetComplianceReportRequest;
import org.alliedexchange.api.audit.v1.VerifyChainRequest;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The auditors' HTTP/JSON API on the gateway's port, for scripts and for the auditor console:
 *
 * <ul>
 *   <li>{@code GET /audit/v1/records}: one page, {@code {"records": [...], "nextCursor",
 *       "withheld", "withheldReasons"}};
 *   <li>{@code GET /audit/v1/export?format=jsonl|csv}: every matching record, streamed ({@link
 *       RecordExport});
 *   <li>{@code GET /audit/v1/report?relationship=JPN-KOR&from=2026-11-01&to=2026-11-30}: the
 *       compliance report, signed by the audit service; {@code &format=signed} sends the same as a
 *       file to keep ({@code compliance-report-JPN-KOR-....json});
 *   <li>{@code GET /audit/v1/verify?relationship=JPN-KOR} and {@code GET
 *       /audit/v1/checkpoint?relationship=JPN-KOR[&sequence=N]} (the latest, or the one issued at
 *       record N).
 * </ul>
 *
 * The filters are {@link RecordFilters}'. Each request is made as a call of the auditors' gRPC API
 * through this gateway ({@link AuditorCalls}), so it is authenticated, guarded and audited exactly
 * as one. Records are in the proto3 JSON mapping of {@code QueryRecordsResponse}. Errors are JSON
 * {@code {"error": "<gRPC code>", "message": ...}} with the matching HTTP status ({@link
 * AuditorApiErrors}).
 */
public final class AuditorApi {

  public static final String PATH = "/audit/v1";

  private final AuditorCalls calls;
  private final AuditorTokens tokens;
  private final RecordExport export;

  public AuditorApi(AuditorCalls calls, AuditorTokens tokens, RecordExport export) {
    this.calls = calls;
    this.tokens = tokens;
    this.export = export;
  }

  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route()
        .GET(PATH + "/records", this::records)
        .GET(PATH + "/export", export::export)
        .GET(PATH + "/report", this::report)
        .GET(PATH + "/verify", this::verify)
        .GET(PATH + "/checkpoint", this::checkpoint)
        .build();
  }

  private Mono<ServerResponse> records(ServerRequest request) {
    return Mono.fromCallable(() -> RecordFilters.parse(request.queryParams()))
        .flatMap(
            query ->
                tokens
                    .token(request.exchange())
                    .flatMap(token -> calls.page(token, query))
                    .flatMap(
                        page -> {
                          StringBuilder json = new StringBuilder("{\"records\":[");
                          for (int i = 0; i < page.records().size(); i++) {
                            json.append(i == 0 ? "" : ",")
                                .append(
                                    AuditorJson.print(
                                        page.records().get(i).toBuilder().clearEventBytes()));
                          }
                          int size = query.getPageSize() == 0 ? 100 : query.getPageSize();
                          String next =
                              page.records().size() < size
                                  ? null
                                  : page.records().get(page.records().size() - 1).getCursor();
                          json.append("],\"nextCursor\":")
                              .append(next == null ? "null" : AuditorJson.quote(next))
                              .append(",\"withheld\":")
                              .append(page.withheld().count())
                              .append(",\"withheldReasons\":")
                              .append(AuditorJson.quote(page.withheld().reasons()))
                              .append('}');
                          return ServerResponse.ok()
                              .contentType(MediaType.APPLICATION_JSON)
                              .bodyValue(json.toString());
                        }))
        .onErrorResume(AuditorApiErrors::error);
  }

  private Mono<ServerResponse> report(ServerRequest request) {
    GetComplianceReportRequest.Builder query =
        GetComplianceReportRequest.newBuilder()
            .setRelationship(
                request.queryParam("relationship").orElse("").toUpperCase(java.util.Locale.ROOT));
    request.queryParam("from").filter(day -> !day.isBlank()).ifPresent(query::setFromDay);
    request.queryParam("to").filter(day -> !day.isBlank()).ifPresent(query::setToDay);
    String format = request.queryParam("format").orElse("json");
    if (!format.equals("json") && !format.equals("signed")) {
      return AuditorApiErrors.error(
          new AuditorApiErrors.BadRequest(
              "format "
                  + format
                  + " is not json (to show) or signed (the signed report as a file to keep)"));
    }
    return tokens
        .token(request.exchange())
        .flatMap(
            token ->
                calls.unary(
                    token, query.build(), AuditServiceGrpc.AuditServiceStub::getComplianceReport))
        .flatMap(
            report ->
                format.equals("json")
                    ? ok(report)
                    // the same JSON, as a file: the audit service signed everything but the
                    // label (this copy's marking), so it is kept whole (verify-report checks it)
                    : ServerResponse.ok()
                        .contentType(MediaType.APPLICATION_JSON)
                        .header(
                            org.springframework.http.HttpHeaders.CONTENT_DISPOSITION,
                            "attachment; filename=\"compliance-report-"
                                + report.getRelationship()
                                + "-"
                                + report.getFromDay()
                                + "-to-"
                                + report.getToDay()
                                + ".json\"")
                        .bodyValue(AuditorJson.print(report) + "\n"))
        .onErrorResume(AuditorApiErrors::error);
  }

  private Mono<ServerResponse> verify(ServerRequest request) {
    VerifyChainRequest query =
        VerifyChainRequest.newBuilder()
            .setRelationship(
                request.queryParam("relationship").orElse("").toUpperCase(java.util.Locale.ROOT))
            .build();
    return tokens
        .token(request.exchange())
        .flatMap(token -> calls.unary(token, query, AuditServiceGrpc.AuditServiceStub::verifyChain))
        .flatMap(AuditorApi::ok)
        .onErrorResume(AuditorApiErrors::error);
  }

  private Mono<ServerResponse> checkpoint(ServerRequest request) {
    GetCheckpointRequest.Builder query =
        GetCheckpointRequest.newBuilder()
            .setRelationship(
                request.queryParam("relationship").orElse("").toUpperCase(java.util.Locale.ROOT));
    String sequence = request.queryParam("sequence").orElse("");
    if (!sequence.isBlank()) {
      try {
        long at = Long.parseLong(sequence.trim());
        if (at < 1) {
          throw new NumberFormatException();
        }
        query.setSequence(at);
      } catch (NumberFormatException e) {
        return AuditorApiErrors.error(
            new AuditorApiErrors.BadRequest(
                "sequence " + sequence + " is not a record number (1 or more)"));
      }
    }
    return tokens
        .token(request.exchange())
        .flatMap(
            token ->
                calls.unary(token, query.build(), AuditServiceGrpc.AuditServiceStub::getCheckpoint))
        .flatMap(AuditorApi::ok)
        .onErrorResume(AuditorApiErrors::error);
  }

  private static Mono<ServerResponse> ok(MessageOrBuilder answer) {
    return ServerResponse.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(AuditorJson.print(answer));
  }
}
