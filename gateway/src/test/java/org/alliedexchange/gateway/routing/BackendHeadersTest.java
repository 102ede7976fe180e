package org.alliedexchange.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import java.util.List;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.gateway.GrpcResponses;
import org.alliedexchange.gateway.access.AdmittedCallsFirewall;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.gateway.guard.GuardedCall;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedException;

/** What a backend hears of a caller's headers, and what the gateway sets in their place. */
class BackendHeadersTest {

  private static final String GET = "/" + GuardedMethods.EXCHANGE_SERVICE + "/Get";

  private final BackendHeaders requests = BackendHeaders.forRequests();
  private final BackendHeaders responses = BackendHeaders.forResponses();

  @Test
  void aCallersHopByHopAndForwardedHeadersNeverReachTheBackend() {
    MockServerWebExchange exchange =
        admitted(
            MockServerHttpRequest.post(GET)
                .header("content-type", "application/grpc")
                .header("Connection", "keep-alive")
                .header("TE", "gzip")
                .header("Proxy-Authorization", "Basic c3B5OnNweQ==")
                .header("Forwarded", "for=10.0.0.1")
                .header("X-Forwarded-For", "10.0.0.1")
                .header("x-forwarded-host", "evil.example")
                .header("authorization", "Bearer t")
                .header("allied-nation", "KOR"));

    HttpHeaders sent = requests.filter(exchange.getRequest().getHeaders(), exchange);

    assertThat(sent.headerNames())
        .containsExactlyInAnyOrder("content-type", "authorization", "allied-nation", "te");
    assertThat(sent.get("te")).containsExactly("trailers");
  }

  @Test
  void whatTheGatewaySetsReplacesWhatTheCallerSentUnderTheSameName() {
    MockServerWebExchange exchange =
        admitted(
            MockServerHttpRequest.post(GET)
                .header("content-type", "application/grpc")
                .header("grpc-timeout", "99H")
                .header("Grpc-Accept-Encoding", "gzip")
                .header("traceparent", "00-caller-chosen"));
    GuardedCall call = exchange.getAttribute(GuardedCall.ATTRIBUTE);
    call.setForBackend("grpc-timeout", "5000m");
    call.setForBackend("grpc-accept-encoding", "identity");
    call.setForBackend("traceparent", "00-the-gateways-span");

    HttpHeaders sent = requests.filter(exchange.getRequest().getHeaders(), exchange);

    assertThat(sent.get("grpc-timeout")).containsExactly("5000m");
    assertThat(sent.get("grpc-accept-encoding")).containsExactly("identity");
    assertThat(sent.get("traceparent")).containsExactly("00-the-gateways-span");
  }

  @Test
  void metadataWithAControlCharacterIsRefusedNamingIt() {
    MockServerWebExchange exchange =
        admitted(
            MockServerHttpRequest.post(GET)
                .header("content-type", "application/grpc")
                .header("x-note", "line\r\nallied-caller: kor-admin"));

    assertThatThrownBy(() -> requests.filter(exchange.getRequest().getHeaders(), exchange))
        .isInstanceOf(GrpcResponses.Refused.class)
        .hasMessageContaining("`x-note`")
        .hasMessageContaining("U+000D")
        .satisfies(
            e ->
                assertThat(((GrpcResponses.Refused) e).code())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void metadataBeyondAsciiIsRefused() {
    MockServerWebExchange exchange =
        admitted(
            MockServerHttpRequest.post(GET)
                .header("content-type", "application/grpc")
                .header("x-note", "極秘"));

    assertThatThrownBy(() -> requests.filter(exchange.getRequest().getHeaders(), exchange))
        .isInstanceOf(GrpcResponses.Refused.class)
        .hasMessageContaining("U+6975");
  }

  @Test
  void theConsolesPageLosesItsHopByHopHeadersButKeepsTheRest() {
    MockServerWebExchange exchange =
        MockServerWebExchange.from(MockServerHttpRequest.get("/console/"));
    HttpHeaders fromBackend = new HttpHeaders();
    fromBackend.add("content-type", "text/html");
    fromBackend.add("connection", "close");
    fromBackend.add("upgrade", "h2c");
    fromBackend.add("cache-control", "no-store");

    HttpHeaders answered = responses.filter(fromBackend, exchange);

    assertThat(answered.headerNames()).containsExactlyInAnyOrder("content-type", "cache-control");
    assertThat(responses.supports(HttpHeadersFilter.Type.REQUEST)).isFalse();
    assertThat(requests.supports(HttpHeadersFilter.Type.RESPONSE)).isFalse();
  }

  @Test
  void aGuardedCallsResponseHeadersAreLeftToTheGuardsAllowlist() {
    MockServerWebExchange exchange = admitted(MockServerHttpRequest.post(GET));
    HttpHeaders fromBackend = new HttpHeaders();
    fromBackend.add("content-type", "application/grpc");

    assertThat(responses.filter(fromBackend, exchange)).isSameAs(fromBackend);
  }

  @Test
  void onlyAnAdmittedCallPassesTheFirewallUnchecked() {
    AdmittedCallsFirewall firewall = new AdmittedCallsFirewall();
    MockServerWebExchange admitted = admitted(MockServerHttpRequest.post(GET));
    // the same path, not admitted by the access filter: the strict firewall still applies
    MockServerWebExchange notAdmitted =
        MockServerWebExchange.from(MockServerHttpRequest.post("/console/..;/x"));

    assertThat(firewall.getFirewalledExchange(admitted).block()).isSameAs(admitted);
    assertThatThrownBy(() -> firewall.getFirewalledExchange(notAdmitted).block())
        .isInstanceOf(ServerExchangeRejectedException.class);
  }

  private static MockServerWebExchange admitted(MockServerHttpRequest.BaseBuilder<?> request) {
    MockServerWebExchange exchange = MockServerWebExchange.from(request);
    Caller caller =
        Caller.of("jpn-reader", "JPN", "SECRET", List.of(), List.of(Roles.EXCHANGE_READ));
    exchange
        .getAttributes()
        .put(
            GuardedCall.ATTRIBUTE,
            new GuardedCall(caller, GuardedMethods.fromApi().at(GET), "KOR", Span.getInvalid()));
    return exchange;
  }
}
