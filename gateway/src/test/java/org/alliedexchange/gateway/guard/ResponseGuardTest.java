package org.alliedexchange.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.auditstream.AuditEventRules;
import org.alliedexchange.auditstream.CheckedEvent;
import org.alliedexchange.auditstream.UnstorableAuditEvent;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WithheldSummary;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Flux;

/**
 * The response guard alone: KOR products in, what leaves for the caller out, with the audit
 * stream's answer scripted.
 */
class ResponseGuardTest {

  private static final String SEARCH = "/" + GuardedMethods.EXCHANGE_SERVICE + "/Search";
  private static final String GET = "/" + GuardedMethods.EXCHANGE_SERVICE + "/Get";
  private static final String SUBSCRIBE = "/" + GuardedMethods.EXCHANGE_SERVICE + "/Subscribe";
  private static final Caller JAPAN =
      Caller.of(
          "jpn-reader", "JPN", "SECRET", List.of("MISSILE_WARNING"), List.of(Roles.EXCHANGE_READ));

  private static BindingSigner korSigner;
  private static MessageGuard messages;

  @BeforeAll
  static void keys(@TempDir Path dir) {
    NationalKey kor = NationalKey.loadOrCreate(dir.resolve("kor-key.pem"));
    korSigner = new BindingSigner("KOR", kor);
    ReleasabilityEngine engine = new ReleasabilityEngine(FederationConfig.loadDefault());
    messages =
        new MessageGuard(
            () -> engine,
            Map.of(
                "KOR", new BindingVerifier(Map.of(kor.keyId(), kor.keyPair().getPublic()), 1_000)));
  }

  @Test
  void aFailedAuditWriteReleasesNothingAndEndsTheCallUnavailable() {
    ResponseGuard guard =
        new ResponseGuard(
            messages,
            records ->
                CompletableFuture.failedFuture(
                    new IllegalStateException(
                        "write failed", new java.net.ConnectException("Connection refused"))),
            () -> null,
            1 << 20);
    GuardedCall call = call(SEARCH);

    List<byte[]> released =
        guard
            .guard(
                call,
                body(frame(product("p-1", "KOR", "JPN")), frame(product("p-2", "KOR", "JPN"))),
                BUFFERS)
            .map(ResponseGuardTest::bytes)
            .collectList()
            .block(Duration.ofSeconds(5));

    assertThat(released).isEmpty();
    assertThat(call.endCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(call.endMessage())
        .isEqualTo(
            "the audit stream did not take the record of this transfer, so nothing more is released on this call:"
                + " Connection refused");
  }

  @Test
  void aRecordTheAuditServiceWouldNotStoreReleasesNothingAndEndsTheCallInternal() {
    // the writer's own refusal, as AuditBatchWriter.appendChecked makes it
    ResponseGuard guard =
        new ResponseGuard(
            messages,
            records -> {
              for (CheckedEvent record : records) {
                var problem = record.problem();
                if (problem.isPresent()) {
                  return CompletableFuture.failedFuture(new UnstorableAuditEvent(problem.get()));
                }
              }
              return CompletableFuture.completedFuture(null);
            },
            () -> null,
            1 << 20);
    GuardedCall call = call(GET);

    List<byte[]> released =
        guard
            // a hostile exchange service signs a product whose id holds a control character, which
            // the log's product_id column would not take
            .guard(call, body(frame(getResponse(product("p-\u0007", "KOR", "JPN")))), BUFFERS)
            .map(ResponseGuardTest::bytes)
            .collectList()
            .block(Duration.ofSeconds(5));

    assertThat(released).isEmpty();
    assertThat(call.endCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(call.endMessage())
        .startsWith("the record of this transfer could not be audited")
        .contains("transfer.product_id holds a control character: \"p-\\u0007\"");
  }

  @Test
  void aStretchAuditedBeforeTheFailureIsReleasedAndNothingAfterIt() throws Exception {
    AtomicInteger writes = new AtomicInteger();
    ResponseGuard guard =
        new ResponseGuard(
            messages,
            records ->
                writes.incrementAndGet() == 1
                    ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.failedFuture(new IllegalStateException("Redis is down")),
            () -> null,
            1 << 20);
    GuardedCall call = call(SEARCH);

    List<byte[]> released =
        guard
            .guard(
                call,
                body(
                    frame(product("p-1", "KOR", "JPN")),
                    frame(product("p-2", "KOR", "JPN")),
                    frame(product("p-3", "KOR", "JPN"))),
                BUFFERS)
            .map(ResponseGuardTest::bytes)
            .collectList()
            .block(Duration.ofSeconds(5));

    assertThat(call.withheldReasons(0)).isEmpty();
    assertThat(released).hasSize(1);
    assertThat(
            SearchResponse.parser()
                .parseFrom(released.get(0), 5, released.get(0).length - 5)
                .getContent()
                .getId())
        .isEqualTo("p-1");
    assertThat(call.releasedCount()).as("p-1, and p-2 decided though never sent").isEqualTo(2);
    assertThat(call.endCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(call.endMessage()).endsWith("nothing more is released on this call: Redis is down");
  }

  @Test
  void nothingLeavesWhileTheAuditWriteIsPendingAndItLeavesOnceItCompletes() {
    CompletableFuture<Void> audit = new CompletableFuture<>();
    ResponseGuard guard = new ResponseGuard(messages, records -> audit, () -> null, 1 << 20);
    GuardedCall call = call(SEARCH);
    List<byte[]> released = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ended = new CompletableFuture<>();
    guard
        .guard(call, body(frame(product("p-1", "KOR", "JPN"))), BUFFERS)
        .subscribe(
            b -> released.add(bytes(b)), ended::completeExceptionally, () -> ended.complete(null));

    // an audit stream that has not answered holds the message back for as long as it does not
    // answer
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> released.isEmpty() && !ended.isDone());
    assertThat(call.endCode()).isNull();

    audit.complete(null);
    await().atMost(Duration.ofSeconds(5)).until(ended::isDone);
    assertThat(released).hasSize(1);
    assertThat(ended).isCompleted();
    assertThat(call.endCode()).isNull();
  }

  @Test
  void anAuditWriteThatTimesOutLaterReleasesNothingAndEndsTheCallUnavailable() {
    // as the batch writer fails a write Redis did not take within allied.gateway.audit.timeout
    ResponseGuard guard =
        new ResponseGuard(
            messages,
            records ->
                new CompletableFuture<Void>()
                    .orTimeout(200, java.util.concurrent.TimeUnit.MILLISECONDS),
            () -> null,
            1 << 20);
    GuardedCall call = call(SEARCH);

    List<byte[]> released =
        guard
            .guard(call, body(frame(product("p-1", "KOR", "JPN"))), BUFFERS)
            .map(ResponseGuardTest::bytes)
            .collectList()
            .block(Duration.ofSeconds(5));

    assertThat(released).isEmpty();
    assertThat(call.endCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(call.endMessage())
        .isEqualTo(
            "the audit stream did not take the record of this transfer, so nothing more is released on this call:"
                + " TimeoutException");
  }

  @Test
  void staleAgreementStatusesReleaseNothingAndEndTheCallUnavailable() {
    AtomicInteger writes = new AtomicInteger();
    ResponseGuard guard =
        new ResponseGuard(
            messages,
            records -> {
              writes.incrementAndGet();
              return CompletableFuture.completedFuture(null);
            },
            () -> "agreement statuses could not be read from Redis for 5000 ms",
            1 << 20);
    GuardedCall call = call(SEARCH);

    List<byte[]> released =
        guard
            .guard(call, body(frame(product("p-1", "KOR", "JPN"))), BUFFERS)
            .map(ResponseGuardTest::bytes)
            .collectList()
            .block(Duration.ofSeconds(5));

    assertThat(released).isEmpty();
    assertThat(writes).hasValue(0);
    assertThat(call.endCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(call.endMessage())
        .isEqualTo("agreement statuses could not be read from Redis for 5000 ms");
  }

  @Test
  void aUnaryAnswerNotReleasableToTheCallerIsWithheldAuditedAndEndsPermissionDenied() {
    List<List<CheckedEvent>> audited = new CopyOnWriteArrayList<>();
    ResponseGuard guard =
        new ResponseGuard(
            messages,
            records -> {
              audited.add(records);
              return CompletableFuture.completedFuture(null);
            },
            () -> null,
            1 << 20);
    GuardedCall call = call(GET);

    List<byte[]> released =
        guard
            .guard(call, body(frame(getResponse(product("p-kor-only", "KOR")))), BUFFERS)
            .map(ResponseGuardTest::bytes)
            .collectList()
            .block(Duration.ofSeconds(5));

    assertThat(released).isEmpty();
    assertThat(audited).singleElement().satisfies(records -> assertThat(records).hasSize(1));
    assertThat(call.withheldCount()).isEqualTo(1);
    assertThat(call.endCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    // the caller is told it was withheld and the transfer to quote, never why
    assertThat(call.endMessage())
        .isEqualTo(
            "product p-kor-only is not released to you; quote transfer "
                + call.transferId()
                + " to ask why")
        .doesNotContain("NOT_RELEASABLE", "KOR");
  }

  @Test
  void aSearchWithholdingManyRowsWritesOneSummaryPerLevelAndReasonWithEveryRowCounted()
      throws Exception {
    List<byte[]> audited = new CopyOnWriteArrayList<>();
    ResponseGuard guard = auditingInto(audited);
    GuardedCall call = call(SEARCH);
    List<byte[]> frames = new ArrayList<>();
    List<String> korOnly = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      korOnly.add("p-kor-" + i);
      frames.add(frame(product("p-kor-" + i, "KOR")));
      if (i % 100 == 0) {
        frames.add(frame(product("p-jpn-" + i, "KOR", "JPN")));
      }
    }
    List<String> topSecret = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      topSecret.add("p-ts-" + i);
      frames.add(
          frame(
              product(
                  "p-ts-" + i,
                  label("KOR", "JPN").toBuilder()
                      .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET)
                      .setMarking("군사I급비밀")
                      .build())));
    }

    List<byte[]> released =
        guard
            .guard(call, body(frames.toArray(byte[][]::new)), BUFFERS)
            .map(ResponseGuardTest::bytes)
            .collectList()
            .block(Duration.ofSeconds(10));

    assertThat(released).hasSize(5);
    assertThat(call.endCode()).isNull();
    assertThat(call.withheldCount()).isEqualTo(507);
    List<TransferRecord> refusals = denied(audited);
    // one summary per level and reasons; on a slow machine a group that has waited
    // WithheldSummary.MAX_WAIT is written early and the rest of its rows follow in another
    assertThat(refusals).as("summaries, not one record per row").hasSizeBetween(2, 6);
    List<TransferRecord> kor =
        refusals.stream()
            .filter(r -> r.getLabel().getLevel() == ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
            .toList();
    List<TransferRecord> ts =
        refusals.stream()
            .filter(
                r -> r.getLabel().getLevel() == ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET)
            .toList();
    assertThat(kor.size() + ts.size()).isEqualTo(refusals.size());
    assertEveryRowSummarized(kor, korOnly);
    assertEveryRowSummarized(ts, topSecret);
    for (TransferRecord summary : kor) {
      assertThat(summary.getLabel().getOriginator()).isEqualTo("KOR");
      assertThat(summary.getRecipientNation()).isEqualTo("JPN");
      assertThat(summary.getProductId()).isEmpty();
    }
    assertThat(ts.get(0).getReasonsList()).isNotEqualTo(kor.get(0).getReasonsList());
    // every summary is a record the audit service stores
    for (byte[] record : audited) {
      assertThat(AuditEventRules.problem(record)).isEmpty();
    }
  }

  @Test
  void aSearchWithholdingMoreRowsThanOneSummaryHoldsListsEveryRowInSeveral() throws Exception {
    List<byte[]> audited = new CopyOnWriteArrayList<>();
    ResponseGuard guard = auditingInto(audited);
    GuardedCall call = call(SEARCH);
    List<byte[]> frames = new ArrayList<>();
    List<String> korOnly = new ArrayList<>();
    int rows = 2 * WithheldSummary.MAX_ROWS + 500;
    for (int i = 0; i < rows; i++) {
      korOnly.add("p-kor-" + i);
      frames.add(frame(product("p-kor-" + i, "KOR")));
    }

    List<byte[]> released =
        guard
            .guard(call, body(frames.toArray(byte[][]::new)), BUFFERS)
            .map(ResponseGuardTest::bytes)
            .collectList()
            .block(Duration.ofSeconds(20));

    assertThat(released).isEmpty();
    assertThat(call.withheldCount()).isEqualTo(rows);
    List<TransferRecord> refusals = denied(audited);
    // none holds more than one summary may, and together they list every row once, in order
    assertThat(refusals).hasSizeGreaterThanOrEqualTo(3);
    assertThat(refusals)
        .allSatisfy(r -> assertThat(r.getWithheldCount()).isBetween(1, WithheldSummary.MAX_ROWS));
    assertEveryRowSummarized(refusals, korOnly);
    for (byte[] record : audited) {
      assertThat(AuditEventRules.problem(record)).isEmpty();
    }
  }

  /**
   * The summaries of one group, in order, count each of its rows once: each lists the product ids
   * of its rows and carries their digest.
   */
  private static void assertEveryRowSummarized(List<TransferRecord> summaries, List<String> rows)
      throws Exception {
    int from = 0;
    for (TransferRecord summary : summaries) {
      List<String> mine = rows.subList(from, from + summary.getWithheldCount());
      assertThat(summary.getWithheldProductIdsList()).isEqualTo(mine);
      assertThat(summary.getWithheldDigest()).isEqualTo(digest(mine));
      from += summary.getWithheldCount();
    }
    assertThat(from).isEqualTo(rows.size());
  }

  @Test
  void aSubscriptionThatWithholdsWritesSummariesNotARecordPerMessage() throws Exception {
    List<byte[]> audited = new CopyOnWriteArrayList<>();
    ResponseGuard guard = auditingInto(audited);
    GuardedCall call = call(SUBSCRIBE);
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      frames.add(frame(subscribeResponse(product("p-" + i, "KOR"))));
    }

    List<byte[]> released =
        guard
            .guard(call, body(frames.toArray(byte[][]::new)), BUFFERS)
            .map(ResponseGuardTest::bytes)
            .collectList()
            .block(Duration.ofSeconds(10));

    assertThat(released).isEmpty();
    List<TransferRecord> refusals = denied(audited);
    assertThat(refusals).hasSizeLessThan(60);
    assertThat(refusals.stream().mapToInt(TransferRecord::getWithheldCount).sum()).isEqualTo(60);
  }

  @Test
  void aSubscriptionCancelledByTheCallerStillHasItsWithheldRowsSummarized() {
    List<byte[]> audited = new CopyOnWriteArrayList<>();
    ResponseGuard guard = auditingInto(audited);
    GuardedCall call = call(SUBSCRIBE);
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      frames.add(frame(subscribeResponse(product("p-" + i, "KOR"))));
    }
    frames.add(frame(subscribeResponse(product("p-jpn", "KOR", "JPN"))));

    byte[] first =
        guard
            .guard(call, body(frames.toArray(byte[][]::new)).concatWith(Flux.never()), BUFFERS)
            .map(ResponseGuardTest::bytes)
            .blockFirst(Duration.ofSeconds(10));

    assertThat(first).isNotNull();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(denied(audited))
                    .singleElement()
                    .satisfies(summary -> assertThat(summary.getWithheldCount()).isEqualTo(10)));
  }

  @Test
  void aSummaryTheAuditStreamDoesNotTakeEndsTheCallInternal() {
    ResponseGuard guard =
        new ResponseGuard(
            messages,
            records -> CompletableFuture.failedFuture(new IllegalStateException("Redis is down")),
            () -> null,
            1 << 20);
    GuardedCall call = call(SEARCH);

    List<byte[]> released =
        guard
            .guard(call, body(frame(product("p-1", "KOR")), frame(product("p-2", "KOR"))), BUFFERS)
            .map(ResponseGuardTest::bytes)
            .collectList()
            .block(Duration.ofSeconds(5));

    assertThat(released).isEmpty();
    assertThat(call.endCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(call.endMessage())
        .isEqualTo(
            "the summary of 2 rows withheld on this call could not be audited: Redis is down");
  }

  private static ResponseGuard auditingInto(List<byte[]> audited) {
    return new ResponseGuard(
        messages,
        records -> {
          records.forEach(record -> audited.add(record.bytes()));
          return CompletableFuture.completedFuture(null);
        },
        () -> null,
        1 << 20);
  }

  private static List<TransferRecord> denied(List<byte[]> audited) throws Exception {
    List<TransferRecord> denied = new ArrayList<>();
    for (byte[] record : audited) {
      TransferRecord transfer = AuditEvent.parseFrom(record).getTransfer();
      if (transfer.getDecision() == Decision.DECISION_DENY) {
        denied.add(transfer);
      }
    }
    return denied;
  }

  private static String digest(List<String> ids) throws Exception {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    for (String id : ids) {
      byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
      sha256.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
      sha256.update(bytes);
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  private static byte[] subscribeResponse(byte[] searchResult) {
    try {
      SearchResponse result = SearchResponse.parseFrom(searchResult);
      return SubscribeResponse.newBuilder()
          .setLabel(result.getLabel())
          .setContent(result.getContent())
          .setBinding(result.getBinding())
          .build()
          .toByteArray();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final DefaultDataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;

  private static GuardedCall call(String path) {
    return new GuardedCall(JAPAN, GuardedMethods.fromApi().at(path), "KOR", Span.getInvalid());
  }

  private static byte[] product(String id, String... releasableTo) {
    return product(id, label(releasableTo));
  }

  private static SecurityLabel label(String... releasableTo) {
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
        .setMarking("군사II급비밀")
        .setOriginator("KOR")
        .addAllReleasableTo(List.of(releasableTo))
        .addCommunities("MISSILE_WARNING")
        .setCreatedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
        .build();
  }

  private static byte[] product(String id, SecurityLabel label) {
    ProductContent content =
        ProductContent.newBuilder()
            .setId(id)
            .setTopic("dprk.missile.launch")
            .setPublisher("kor-jcs-publisher")
            .build();
    return SearchResponse.newBuilder()
        .setLabel(label)
        .setContent(content)
        .setBinding(korSigner.sign(label.toByteArray(), content.toByteArray(), Instant.now()))
        .setCursor("s" + id)
        .build()
        .toByteArray();
  }

  /** A product as Get answers it: without the cursor a GetResponse does not declare. */
  private static byte[] getResponse(byte[] searchResult) {
    try {
      return SearchResponse.parseFrom(searchResult).toBuilder().clearCursor().build().toByteArray();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] frame(byte[] message) {
    return ByteBuffer.allocate(5 + message.length)
        .put((byte) 0)
        .putInt(message.length)
        .put(message)
        .array();
  }

  private static Flux<DataBuffer> body(byte[]... frames) {
    return Flux.fromArray(frames).map(BUFFERS::wrap);
  }

  private static byte[] bytes(DataBuffer buffer) {
    byte[] bytes = new byte[buffer.readableByteCount()];
    buffer.read(bytes);
    DataBufferUtils.release(buffer);
    return bytes;
  }
}
