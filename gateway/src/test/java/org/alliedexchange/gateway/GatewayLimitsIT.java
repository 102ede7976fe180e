package org.alliedexchange.gateway;

import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.gateway.ratelimit.CallLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The front door's bounds on what one national system holds: open streams, and how long a call may
 * wait on a backend that does not answer.
 */
class GatewayLimitsIT {

  static final List<String> ALL = List.of("KOR", "JPN", "USA");
  GatewayFixture fixture;
  ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    fixture =
        new GatewayFixture(
            Map.of(
                "allied.gateway.limits.max-open-streams-per-system", "2",
                "allied.gateway.limits.default-deadline", "1s"));
    channel = fixture.channel();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    fixture.close();
  }

  private void awaitSubscribers(int count) {
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> fixture.kor.subscribers.size() >= count);
    assertThat(fixture.kor.subscribers).hasSize(count);
  }

  private int openStreams(String system) {
    return fixture.gateway.context().getBean(CallLimits.class).openStreams(system);
  }

  @Test
  void aSystemBeyondItsOpenStreamsIsRefusedResourceExhaustedAndACancelledStreamFreesItsSlot()
      throws Exception {
    String japan = fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING"));
    Context.CancellableContext first = Context.current().withCancellation();
    LiveSubscription cancelled = first.call(() -> new LiveSubscription(channel, japan));
    LiveSubscription kept = new LiveSubscription(channel, japan);
    awaitSubscribers(2);

    LiveSubscription third = new LiveSubscription(channel, japan);
    Status refused = third.ended.get(5, TimeUnit.SECONDS);
    assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getDescription())
        .isEqualTo(
            "jpn-reader has 2 open streams, the limit"
                + " (allied.gateway.limits.max-open-streams-per-system); end one before opening"
                + " another");
    // another system's streams are its own
    LiveSubscription usa =
        new LiveSubscription(channel, fixture.reader("USA", "SECRET", List.of("MISSILE_WARNING")));
    awaitSubscribers(3);

    first.cancel(null);
    await().atMost(Duration.ofSeconds(5)).until(() -> openStreams("jpn-reader") == 1);
    LiveSubscription again = new LiveSubscription(channel, japan);
    awaitSubscribers(4);
    String id = GatewayFixture.newId();
    byte[] product =
        fixture.product(
            GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(), id);
    // the cancelled stream is cancelled at the exchange service too
    assertThat(fixture.kor.subscribers)
        .filteredOn(s -> ((io.grpc.stub.ServerCallStreamObserver<byte[]>) s).isCancelled())
        .hasSize(1);
    fixture.kor.subscribers.stream()
        .filter(s -> !((io.grpc.stub.ServerCallStreamObserver<byte[]>) s).isCancelled())
        .forEach(s -> s.onNext(product));
    assertThat(again.next(Duration.ofSeconds(5))).isEqualTo(id);
    assertThat(kept.next(Duration.ofSeconds(5))).isEqualTo(id);
    assertThat(usa.next(Duration.ofSeconds(5))).isEqualTo(id);
    assertThat(cancelled.received).isEmpty();
  }

  private ExchangeServiceGrpc.ExchangeServiceFutureStub futureStub(String token) {
    Metadata headers = new Metadata();
    headers.put(GatewayFixture.NATION, "KOR");
    return ExchangeServiceGrpc.newFutureStub(channel)
        .withCallCredentials(TestTokens.bearer(token))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static StatusRuntimeException failure(ListenableFuture<GetResponse> call)
      throws Exception {
    try {
      call.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return Status.fromThrowable(e.getCause()).asRuntimeException();
    }
    throw new AssertionError("the call was answered");
  }

  @Test
  void aCallToABackendThatNeverAnswersEndsDeadlineExceededAtTheDefaultOrTheCallersShorterDeadline()
      throws Exception {
    fixture.kor.hanging.add("Get");
    String reader = fixture.reader("USA", "SECRET", List.of("MISSILE_WARNING"));
    // a live subscription open across the deadlines: streams have none by default
    LiveSubscription japan =
        new LiveSubscription(channel, fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING")));
    awaitSubscribers(1);
    String expected =
        "the exchange service of KOR did not answer within the call's deadline of 1000 ms (the"
            + " caller's grpc-timeout, at most allied.gateway.limits.default-deadline)";

    long started = System.nanoTime();
    StatusRuntimeException none =
        failure(futureStub(reader).get(GetRequest.newBuilder().setProductId("p").build()));
    assertThat(none.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(none.getStatus().getDescription()).isEqualTo(expected);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(
            fixture
                .kor
                .headersSeen
                .get(fixture.kor.headersSeen.size() - 1)
                .get(Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER)))
        .as("the backend is told the deadline too")
        .isNotNull();

    // a caller's longer deadline is capped
    StatusRuntimeException longer =
        failure(
            futureStub(reader)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .get(GetRequest.newBuilder().setProductId("p").build()));
    assertThat(longer.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(longer.getStatus().getDescription()).isEqualTo(expected);

    // the call's span says how it ended
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(fixture.spans.getFinishedSpanItems())
                    .filteredOn(span -> span.getName().equals("ExchangeService/Get"))
                    .hasSize(2)
                    .allSatisfy(
                        (SpanData span) ->
                            assertThat(
                                    span.getAttributes()
                                        .get(AttributeKey.longKey("rpc.grpc.status_code")))
                                .isEqualTo((long) Status.Code.DEADLINE_EXCEEDED.value())));

    assertThatThrownBy(
            () ->
                fixture
                    .stub(channel, "KOR", reader)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .get(GetRequest.newBuilder().setProductId("p").build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.DEADLINE_EXCEEDED));

    // over three seconds on, past every deadline above, the stream still delivers
    String id = GatewayFixture.newId();
    fixture.kor.push(
        fixture.product(
            GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(), id));
    assertThat(japan.next(Duration.ofSeconds(5))).isEqualTo(id);
    assertThat(japan.ended).isNotDone();
  }
}
