package org.alliedexchange.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.policy.Reason;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/**
 * The trailers a guarded call ends with: the exchange service's status, and what the caller did not
 * get.
 */
class GuardTrailersTest {

  private static final Caller JAPAN =
      Caller.of("jpn-reader", "JPN", "SECRET", List.of(), List.of(Roles.EXCHANGE_READ));
  private final GuardTrailers trailers = new GuardTrailers();

  @Test
  void aNationalSystemIsToldNothingOfWhatItDidNotGet() {
    GuardedCall call = call("Search");
    call.withheld(EnumSet.of(Reason.NOT_RELEASABLE_TO_NATION), false);
    call.withheld(Set.of(), true);
    HttpHeaders fromExchange = new HttpHeaders();
    fromExchange.set("grpc-status", "0");
    fromExchange.set(GuardedCall.WITHHELD_TRAILER, "3");
    fromExchange.set(GuardedCall.WITHHELD_REASONS_TRAILER, "NOFORN=3");

    HttpHeaders out = trailers.trailers(fromExchange, exchange(call));

    assertThat(out.getFirst("grpc-status")).isEqualTo("0");
    assertThat(out.getFirst(GuardedCall.WITHHELD_TRAILER)).isNull();
    assertThat(out.getFirst(GuardedCall.WITHHELD_REASONS_TRAILER)).isNull();
    assertThat(out.getFirst(GuardedCall.TRANSFER_ID_TRAILER))
        .as("a stream's messages each carry their own")
        .isNull();
  }

  @Test
  void aSearchsNextCursorIsTheLastReleasedResultsNeverAWithheldOnes() {
    GuardedCall call = call("Search");
    call.released("t-1", SearchResponse.newBuilder().setCursor("s7").build().toByteArray());
    call.withheld(EnumSet.of(Reason.NOFORN), false);
    HttpHeaders fromExchange = new HttpHeaders();
    fromExchange.set("grpc-status", "0");
    fromExchange.set(GuardedCall.NEXT_CURSOR_TRAILER, "s9");

    assertThat(trailers.trailers(fromExchange, exchange(call)).getFirst("allied-next-cursor"))
        .isEqualTo("s7");
  }

  @Test
  void aSearchPageTheGuardWithheldWhollyEndsWithoutACursorSoPagingCannotLoop() {
    GuardedCall call = call("Search");
    call.withheld(EnumSet.of(Reason.NOFORN), false);
    HttpHeaders fromExchange = new HttpHeaders();
    fromExchange.set("grpc-status", "0");
    fromExchange.set(GuardedCall.NEXT_CURSOR_TRAILER, "s9");

    assertThat(trailers.trailers(fromExchange, exchange(call)).getFirst("allied-next-cursor"))
        .isNull();
  }

  @Test
  void aSearchWithNothingWithheldKeepsTheExchangeServicesCursor() {
    GuardedCall call = call("Search");
    call.released("t-1", SearchResponse.newBuilder().setCursor("s7").build().toByteArray());
    HttpHeaders fromExchange = new HttpHeaders();
    fromExchange.set("grpc-status", "0");
    fromExchange.set(GuardedCall.NEXT_CURSOR_TRAILER, "s7");

    assertThat(trailers.trailers(fromExchange, exchange(call)).getFirst("allied-next-cursor"))
        .isEqualTo("s7");
  }

  @Test
  void anAuditorsCallCountsTheRecordsTheGuardWithheldEachAGapInTheChain() {
    GuardedCall call =
        new GuardedCall(
            JAPAN,
            GuardedMethods.fromApi().at("/" + GuardedMethods.AUDIT_SERVICE + "/QueryRecords"),
            "JPN",
            Span.getInvalid());
    call.withheld(EnumSet.of(Reason.INSUFFICIENT_CLEARANCE), false);
    HttpHeaders fromAudit = new HttpHeaders();
    fromAudit.set("grpc-status", "0");

    HttpHeaders out = trailers.trailers(fromAudit, exchange(call));

    assertThat(out.getFirst(GuardedCall.WITHHELD_TRAILER)).isEqualTo("1");
    assertThat(out.getFirst(GuardedCall.WITHHELD_REASONS_TRAILER))
        .isEqualTo("INSUFFICIENT_CLEARANCE=1");
  }

  @Test
  void aUnaryCallsTrailersNameItsMessagesTransferReleasedOrWithheld() {
    GuardedCall call = call("Get");
    call.released("6f1c2a8e-0000-4000-8000-000000000001");
    HttpHeaders fromExchange = new HttpHeaders();
    fromExchange.set("grpc-status", "0");
    fromExchange.set(GuardedCall.WITHHELD_TRAILER, "not a number");

    HttpHeaders out = trailers.trailers(fromExchange, exchange(call));

    assertThat(out.getFirst(GuardedCall.WITHHELD_TRAILER)).isNull();
    assertThat(out.getFirst(GuardedCall.WITHHELD_REASONS_TRAILER)).isNull();
    assertThat(out.getFirst(GuardedCall.TRANSFER_ID_TRAILER))
        .isEqualTo("6f1c2a8e-0000-4000-8000-000000000001");

    GuardedCall refused = call("Get");
    refused.withheld(EnumSet.of(Reason.NOFORN), false, "6f1c2a8e-0000-4000-8000-000000000002");
    assertThat(
            trailers
                .trailers(new HttpHeaders(), exchange(refused))
                .getFirst(GuardedCall.TRANSFER_ID_TRAILER))
        .isEqualTo("6f1c2a8e-0000-4000-8000-000000000002");
  }

  @Test
  void anExchangeServiceThatEndsWithoutAStatusEndsTheCallInternal() {
    HttpHeaders out = trailers.trailers(new HttpHeaders(), exchange(call("Get")));

    assertThat(out.getFirst("grpc-status"))
        .isEqualTo(Integer.toString(Status.Code.INTERNAL.value()));
    assertThat(out.getFirst("grpc-message"))
        .isEqualTo("the exchange service ended the call without a gRPC status");
  }

  @Test
  void onlyAllowedTrailersOfTheBackendPassAndTheGuardsOwnCannotBeForged() {
    GuardedCall call = call("Search");
    call.released("t-1", SearchResponse.newBuilder().setCursor("s7").build().toByteArray());
    HttpHeaders fromExchange = new HttpHeaders();
    fromExchange.set("grpc-status", "0");
    fromExchange.set("x-leak", "secret");
    fromExchange.set("x-secret-bin", "Y2xhc3NpZmllZA");
    fromExchange.set("grpc-status-details-bin", "CAUSBm5vIHdheQ");
    fromExchange.set(GuardedCall.TRANSFER_ID_TRAILER, "forged");
    fromExchange.set(GuardedCall.NEXT_CURSOR_TRAILER, "s7");

    HttpHeaders out = trailers.trailers(fromExchange, exchange(call));

    assertThat(out.headerNames())
        .containsExactlyInAnyOrder("grpc-status", GuardedCall.NEXT_CURSOR_TRAILER);
  }

  @Test
  void aBackendsStatusPassesOnlyAsAValidCodeAndAPrintableBoundedMessage() {
    HttpHeaders badCode = new HttpHeaders();
    badCode.set("grpc-status", "99");
    assertThat(trailers.trailers(badCode, exchange(call("Get"))).getFirst("grpc-status"))
        .isEqualTo(Integer.toString(Status.Code.INTERNAL.value()));

    HttpHeaders longMessage = new HttpHeaders();
    longMessage.set("grpc-status", "5");
    longMessage.set("grpc-message", "x".repeat(GuardTrailers.MAX_MESSAGE_LENGTH + 1));
    HttpHeaders out = trailers.trailers(longMessage, exchange(call("Get")));
    assertThat(out.getFirst("grpc-status")).isEqualTo("5");
    assertThat(out.getFirst("grpc-message")).startsWith("the backend");

    HttpHeaders fine = new HttpHeaders();
    fine.set("grpc-status", "5");
    fine.set("grpc-message", "no product 42 %E2%80%94 sorry");
    assertThat(trailers.trailers(fine, exchange(call("Get"))).getFirst("grpc-message"))
        .isEqualTo("no product 42 %E2%80%94 sorry");
  }

  @Test
  void aGuardedCallsResponseHeadersAreContentTypeAndATrailersOnlyStatusAlone() {
    HttpHeaders fromExchange = new HttpHeaders();
    fromExchange.set("content-type", "application/grpc");
    fromExchange.set("grpc-encoding", "gzip");
    fromExchange.set("grpc-accept-encoding", "gzip");
    fromExchange.set("x-leak", "secret");
    fromExchange.set("x-secret-bin", "Y2xhc3NpZmllZA");
    fromExchange.set(GuardedCall.TRANSFER_ID_TRAILER, "forged");
    fromExchange.set("grpc-status", "5");
    fromExchange.set("grpc-message", "not found");

    assertThat(trailers.supports(HttpHeadersFilter.Type.RESPONSE)).isTrue();
    HttpHeaders out = trailers.filter(fromExchange, exchange(call("Get")));

    assertThat(out.headerNames())
        .containsExactlyInAnyOrder(HttpHeaders.CONTENT_TYPE, "grpc-status", "grpc-message");
    assertThat(out.getFirst("grpc-message")).isEqualTo("not found");
  }

  @Test
  void aPlainHttpRouteKeepsItsHeaders() {
    HttpHeaders page = new HttpHeaders();
    page.set("content-type", "text/html");
    page.set("cache-control", "no-store");

    assertThat(
            trailers.filter(
                page, MockServerWebExchange.from(MockServerHttpRequest.get("/console/"))))
        .isSameAs(page);
  }

  @Test
  void aPlainHttpRouteKeepsItsTrailersUntouched() {
    HttpHeaders none = new HttpHeaders();

    assertThat(
            trailers.trailers(
                none, MockServerWebExchange.from(MockServerHttpRequest.get("/console/"))))
        .isSameAs(none);
    assertThat(none.isEmpty()).isTrue();
  }

  private static GuardedCall call(String method) {
    return new GuardedCall(
        JAPAN,
        GuardedMethods.fromApi().at("/" + GuardedMethods.EXCHANGE_SERVICE + "/" + method),
        "KOR",
        Span.getInvalid());
  }

  private static MockServerWebExchange exchange(GuardedCall call) {
    MockServerWebExchange exchange =
        MockServerWebExchange.from(
            MockServerHttpRequest.post(call.method().path())
                .header("content-type", "application/grpc"));
    exchange.getAttributes().put(GuardedCall.ATTRIBUTE, call);
    return exchange;
  }
}
