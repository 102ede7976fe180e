package org.alliedexchange.gateway.auditors;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.ExportLine;
import org.alliedexchange.api.audit.v1.ExportSummary;
import org.alliedexchange.api.audit.v1.GetCheckpointRequest;
import org.alliedexchange.api.audit.v1.GetCheckpointResponse;
import org.alliedexchange.api.audit.v1.GetComplianceReportRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.VerifyChainRequest;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The auditors' HTTP/JSON API on the gateway's port, for scripts and for the auditor console:
 *
 * <ul>
 *   <li>{@code GET /audit/v1/records}: one page, {@code {"records": [...], "nextCursor",
 *       "withheld", "withheldReasons"}};
 *   <li>{@code GET /audit/v1/export?format=jsonl|csv}: every matching record, streamed; JSON Lines
 *       (each line an {@code ExportLine}) end with a summary holding the count, what was withheld
 *       and, for one relationship, the checkpoint taken before the export began, so the file can be
 *       verified on its own;
 *   <li>{@code GET /audit/v1/report?relationship=JPN-KOR&from=2026-11-01&to=2026-11-30}: the
 *       compliance report;
 *   <li>{@code GET /audit/v1/verify?relationship=JPN-KOR} and {@code GET
 *       /audit/v1/checkpoint?relationship=JPN-KOR}.
 * </ul>
 *
 * The filters are {@link RecordFilters}'. Each request is made as a call of the auditors' gRPC API
 * through this gateway ({@link AuditorCalls}), so it is authenticated, guarded and audited exactly
 * as one. Records are in the proto3 JSON mapping of {@code QueryRecordsResponse}. Errors are JSON
 * {@code {"error": "<gRPC code>", "message": ...}} with the matching HTTP status.
 */
public final class AuditorApi {

  public static final String PATH = "/audit/v1";
  // zeros and empty lists are printed: a report that says "0 refusals" must not leave the field out
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().omittingInsignificantWhitespace().alwaysPrintFieldsWithNoPresence();
  private static final MediaType JSON_LINES =
      MediaType.parseMediaType("application/jsonl; charset=utf-8");
  private static final MediaType CSV = MediaType.parseMediaType("text/csv; charset=utf-8");

  private final AuditorCalls calls;
  private final AuditorTokens tokens;

  public AuditorApi(AuditorCalls calls, AuditorTokens tokens) {
    this.calls = calls;
    this.tokens = tokens;
  }

  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route()
        .GET(PATH + "/records", this::records)
        .GET(PATH + "/export", this::export)
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
                                .append(print(page.records().get(i).toBuilder().clearEventBytes()));
                          }
                          int size = query.getPageSize() == 0 ? 100 : query.getPageSize();
                          String next =
                              page.records().size() < size
                                  ? null
                                  : page.records().get(page.records().size() - 1).getCursor();
                          json.append("],\"nextCursor\":")
                              .append(next == null ? "null" : quote(next))
                              .append(",\"withheld\":")
                              .append(page.withheld().count())
                              .append(",\"withheldReasons\":")
                              .append(quote(page.withheld().reasons()))
                              .append('}');
                          return ServerResponse.ok()
                              .contentType(MediaType.APPLICATION_JSON)
                              .bodyValue(json.toString());
                        }))
        .onErrorResume(AuditorApi::error);
  }

  private Mono<ServerResponse> export(ServerRequest request) {
    String format = request.queryParam("format").orElse("jsonl");
    if (!format.equals("jsonl") && !format.equals("csv")) {
      return error(new RecordFilters.BadParameter("format " + format + " is not jsonl or csv"));
    }
    return Mono.fromCallable(() -> RecordFilters.parse(request.queryParams()))
        .flatMap(
            query ->
                tokens
                    .token(request.exchange())
                    .flatMap(
                        token -> {
                          // the checkpoint comes first, so the records exported after it cover at
                          // least what it signed
                          Mono<GetCheckpointResponse> checkpoint =
                              query.getRelationship().isEmpty()
                                  ? Mono.just(GetCheckpointResponse.getDefaultInstance())
                                  : calls.unary(
                                      token,
                                      GetCheckpointRequest.newBuilder()
                                          .setRelationship(query.getRelationship())
                                          .build(),
                                      AuditServiceGrpc.AuditServiceStub::getCheckpoint);
                          return checkpoint.flatMap(
                              signed -> {
                                DataBufferFactory buffers =
                                    request.exchange().getResponse().bufferFactory();
                                AtomicLong count = new AtomicLong();
                                AtomicReference<AuditorCalls.Withheld> withheld =
                                    new AtomicReference<>(AuditorCalls.Withheld.NONE);
                                Flux<QueryRecordsResponse> records =
                                    calls
                                        .export(token, query, withheld::set)
                                        .doOnNext(r -> count.incrementAndGet());
                                Flux<String> lines;
                                if (format.equals("csv")) {
                                  lines =
                                      Flux.concat(
                                          Flux.just(RecordCsv.header()),
                                          records.map(RecordCsv::row));
                                } else {
                                  lines =
                                      Flux.concat(
                                          records.map(
                                              r ->
                                                  print(ExportLine.newBuilder().setRecord(r))
                                                      + "\n"),
                                          Mono.fromSupplier(
                                              () -> {
                                                ExportSummary.Builder summary =
                                                    ExportSummary.newBuilder()
                                                        .setRelationship(query.getRelationship())
                                                        .setFiltered(filtered(query))
                                                        .setRecords(count.get())
                                                        .setWithheld(withheld.get().count())
                                                        .setWithheldReasons(
                                                            withheld.get().reasons());
                                                if (signed.hasCheckpoint()) {
                                                  summary.setCheckpoint(signed.getCheckpoint());
                                                }
                                                return print(
                                                        ExportLine.newBuilder().setSummary(summary))
                                                    + "\n";
                                              }));
                                }
                                // a few hundred records to a write: one flush per record would cost
                                // more than the records
                                Flux<DataBuffer> body =
                                    lines
                                        .buffer(256)
                                        .map(
                                            chunk ->
                                                buffers.wrap(
                                                    String.join("", chunk)
                                                        .getBytes(StandardCharsets.UTF_8)));
                                String name =
                                    "audit-"
                                        + (query.getRelationship().isEmpty()
                                            ? "all"
                                            : query.getRelationship())
                                        + "."
                                        + format;
                                return ServerResponse.ok()
                                    .contentType(format.equals("csv") ? CSV : JSON_LINES)
                                    .header(
                                        HttpHeaders.CONTENT_DISPOSITION,
                                        "attachment; filename=\"" + name + "\"")
                                    .body(BodyInserters.fromDataBuffers(body));
                              });
                        }))
        .onErrorResume(AuditorApi::error);
  }

  /**
   * Whether the export leaves records out by filter (then it cannot be checked from the chain's
   * start).
   */
  private static boolean filtered(QueryRecordsRequest query) {
    return !query.toBuilder()
        .clearRelationship()
        .clearPageSize()
        .clearCursor()
        .build()
        .equals(QueryRecordsRequest.getDefaultInstance());
  }

  private Mono<ServerResponse> report(ServerRequest request) {
    GetComplianceReportRequest.Builder query =
        GetComplianceReportRequest.newBuilder()
            .setRelationship(
                request.queryParam("relationship").orElse("").toUpperCase(java.util.Locale.ROOT));
    request.queryParam("from").ifPresent(query::setFromDay);
    request.queryParam("to").ifPresent(query::setToDay);
    return tokens
        .token(request.exchange())
        .flatMap(
            token ->
                calls.unary(
                    token, query.build(), AuditServiceGrpc.AuditServiceStub::getComplianceReport))
        .flatMap(AuditorApi::ok)
        .onErrorResume(AuditorApi::error);
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
        .onErrorResume(AuditorApi::error);
  }

  private Mono<ServerResponse> checkpoint(ServerRequest request) {
    GetCheckpointRequest query =
        GetCheckpointRequest.newBuilder()
            .setRelationship(
                request.queryParam("relationship").orElse("").toUpperCase(java.util.Locale.ROOT))
            .build();
    return tokens
        .token(request.exchange())
        .flatMap(
            token -> calls.unary(token, query, AuditServiceGrpc.AuditServiceStub::getCheckpoint))
        .flatMap(AuditorApi::ok)
        .onErrorResume(AuditorApi::error);
  }

  private static Mono<ServerResponse> ok(MessageOrBuilder answer) {
    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(print(answer));
  }

  static String print(MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "an answer of the audit service cannot be written as JSON: " + e.getMessage(), e);
    }
  }

  static Mono<ServerResponse> error(Throwable e) {
    if (e instanceof RecordFilters.BadParameter bad) {
      return error(HttpStatus.BAD_REQUEST, "INVALID_ARGUMENT", bad.getMessage());
    }
    if (e instanceof AuditorTokens.NoToken none) {
      return error(HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED", none.getMessage());
    }
    Status status = Status.fromThrowable(e);
    HttpStatus http =
        switch (status.getCode()) {
          case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> HttpStatus.BAD_REQUEST;
          case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
          case PERMISSION_DENIED -> HttpStatus.FORBIDDEN;
          case NOT_FOUND -> HttpStatus.NOT_FOUND;
          case RESOURCE_EXHAUSTED -> HttpStatus.TOO_MANY_REQUESTS;
          case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
          case DEADLINE_EXCEEDED -> HttpStatus.GATEWAY_TIMEOUT;
          case UNIMPLEMENTED -> HttpStatus.NOT_IMPLEMENTED;
          default -> HttpStatus.BAD_GATEWAY;
        };
    String message =
        status.getDescription() != null
            ? status.getDescription()
            : "the audit service answered " + status.getCode();
    return error(http, status.getCode().name(), message);
  }

  private static Mono<ServerResponse> error(HttpStatus http, String code, String message) {
    return ServerResponse.status(http)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"error\":" + quote(code) + ",\"message\":" + quote(message) + "}");
  }

  /** A JSON string literal. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
