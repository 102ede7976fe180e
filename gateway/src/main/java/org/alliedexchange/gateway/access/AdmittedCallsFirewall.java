package org.alliedexchange.gateway.access;

import org.alliedexchange.gateway.guard.GuardedCall;
import org.springframework.security.web.server.firewall.ServerWebExchangeFirewall;
import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Spring Security's firewall for every exchange except a gRPC call the {@link CallAccessFilter} has
 * admitted. Such a call's path is exactly one of the gateway's methods, and its metadata is checked
 * on its way to the backend ({@code BackendHeaders}); no security chain of the console's matches
 * it. Copying and re-checking its headers once more cost about a twentieth of a guarded call's CPU
 * (BENCHMARKS.md, issue 17).
 *
 * <p>An exchange carries {@link GuardedCall#ATTRIBUTE} only when the access filter, which runs
 * before Spring Security, put it there: a request cannot name itself admitted.
 */
public final class AdmittedCallsFirewall implements ServerWebExchangeFirewall {

  private final ServerWebExchangeFirewall strict = new StrictServerWebExchangeFirewall();

  @Override
  public Mono<ServerWebExchange> getFirewalledExchange(ServerWebExchange exchange) {
    if (exchange.getAttribute(GuardedCall.ATTRIBUTE) != null) {
      return Mono.just(exchange);
    }
    return strict.getFirewalledExchange(exchange);
  }
}
