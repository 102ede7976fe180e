package org.alliedexchange.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

import io.opentelemetry.api.trace.Span;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.gateway.guard.GuardedCall;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Mono;

/** Where the router sends each admitted call. */
class NationRouterTest {

  private final NationRouter router =
      new NationRouter(
          Map.of(
              "KOR",
              List.of(URI.create("http://10.0.0.1:9090"), URI.create("http://10.0.0.2:9090")),
              "JPN",
              List.of(URI.create("https://10.0.1.1:9443"))),
          Map.of("JPN", List.of(URI.create("https://10.0.1.7:9443"))),
          List.of(URI.create("http://10.0.9.1:9100")));
  private final List<URI> sentTo = new ArrayList<>();
  private final GatewayFilterChain chain =
      exchange -> {
        sentTo.add(exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR));
        return Mono.empty();
      };

  @Test
  void aNationsCallsTakeItsReplicasInTurnAndKeepTheirPath() {
    for (int i = 0; i < 3; i++) {
      router.filter(admitted("/" + GuardedMethods.EXCHANGE_SERVICE + "/Get", "KOR"), chain).block();
    }
    router
        .filter(admitted("/" + GuardedMethods.EXCHANGE_SERVICE + "/Search", "JPN"), chain)
        .block();

    assertThat(sentTo)
        .containsExactly(
            URI.create("http://10.0.0.1:9090/allied.exchange.v1.ExchangeService/Get"),
            URI.create("http://10.0.0.2:9090/allied.exchange.v1.ExchangeService/Get"),
            URI.create("http://10.0.0.1:9090/allied.exchange.v1.ExchangeService/Get"),
            URI.create("https://10.0.1.1:9443/allied.exchange.v1.ExchangeService/Search"));
  }

  @Test
  void anAuditorsCallGoesToTheAuditServiceWhateverTheNation() {
    router
        .filter(admitted("/" + GuardedMethods.AUDIT_SERVICE + "/QueryRecords", "KOR"), chain)
        .block();

    assertThat(sentTo)
        .containsExactly(
            URI.create("http://10.0.9.1:9100/allied.audit.v1.AuditService/QueryRecords"));
  }

  @Test
  void aHotlineCallGoesToTheNamedNationsHotlineNodeNotItsExchangeService() {
    router.filter(admitted("/" + GuardedMethods.HOTLINE_RELAY + "/Relay", "JPN"), chain).block();

    assertThat(sentTo)
        .containsExactly(URI.create("https://10.0.1.7:9443/allied.hotline.v1.HotlineRelay/Relay"));
  }

  @Test
  void aRequestTheAccessFilterDidNotAdmitIsLeftAsItIs() {
    router
        .filter(MockServerWebExchange.from(MockServerHttpRequest.get("/console/")), chain)
        .block();

    assertThat(sentTo).containsExactly((URI) null);
  }

  private static MockServerWebExchange admitted(String path, String nation) {
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post(path));
    Caller caller =
        Caller.of(
            "kor-reader", "KOR", "SECRET", List.of(), List.of(Roles.EXCHANGE_READ, Roles.AUDITOR));
    exchange
        .getAttributes()
        .put(
            GuardedCall.ATTRIBUTE,
            new GuardedCall(caller, GuardedMethods.fromApi().at(path), nation, Span.getInvalid()));
    return exchange;
  }
}
