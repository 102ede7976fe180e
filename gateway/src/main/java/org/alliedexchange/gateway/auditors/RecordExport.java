package org.alliedexchange.gateway.auditors;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.ExportLine;
import org.alliedexchange.api.audit.v1.ExportSummary;
import org.alliedexchange.api.audit.v1.GetCheckpointRequest;
import org.alliedexchange.api.audit.v1.GetCheckpointResponse;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code GET /audit/v1/export?format=jsonl|csv} of the auditors' API ({@link AuditorApi}): every
 * matching record, streamed. JSON Lines (each line an {@code ExportLine}) end with a summary
 * holding the count, what was withheld and, for one relationship, the checkpoint taken before the
 * export began, so the file can be verified on its own.
 */
public final class RecordExport {

  private static final MediaType JSON_LINES =
      MediaType.parseMediaType("application/jsonl; charset=utf-8");
  private static final MediaType CSV = MediaType.parseMediaType("text/csv; charset=utf-8");

  private final AuditorCalls calls;
  private final AuditorTokens tokens;

  public RecordExport(AuditorCalls calls, AuditorTokens tokens) {
    this.calls = calls;
    this.tokens = tokens;
  }

  Mono<ServerResponse> export(ServerRequest request) {
    String format = request.queryParam("format").orElse("jsonl");
    if (!format.equals("jsonl") && !format.equals("csv")) {
      return AuditorApiErrors.error(
          new RecordFilters.BadParameter("format " + format + " is not jsonl or csv"));
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
                                                  AuditorJson.print(
                                                          ExportLine.newBuilder().setRecord(r))
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
                                                return AuditorJson.print(
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
        .onErrorResume(AuditorApiErrors::error);
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
}
