package org.alliedexchange.gateway.routing;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.alliedexchange.gateway.access.GuardedMethod;
import org.alliedexchange.gateway.guard.GuardedCall;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Sends each call to the exchange service of the nation it names (an auditor's to the audit
 * service), taking that nation's replicas in turn. Runs right after Spring Cloud Gateway has
 * resolved the route's placeholder URL, and replaces it.
 */
public final class NationRouter implements GlobalFilter, Ordered {

  private record Replicas(List<URI> addresses, AtomicInteger next) {
    URI pick() {
      return addresses.get(Math.floorMod(next.getAndIncrement(), addresses.size()));
    }
  }

  private final Map<String, Replicas> byNation;
  private final Replicas auditService;

  /**
   * @param auditService the audit service's replicas; empty when this gateway serves no auditors
   */
  public NationRouter(Map<String, List<URI>> addressesByNation, List<URI> auditService) {
    this.auditService = new Replicas(List.copyOf(auditService), new AtomicInteger());
    this.byNation =
        Map.copyOf(
            addressesByNation.entrySet().stream()
                .collect(
                    java.util.stream.Collectors.toMap(
                        Map.Entry::getKey,
                        e -> new Replicas(List.copyOf(e.getValue()), new AtomicInteger()))));
  }

  @Override
  public int getOrder() {
    return RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    GuardedCall call = exchange.getAttribute(GuardedCall.ATTRIBUTE);
    if (call == null) {
      return chain.filter(exchange);
    }
    URI base =
        call.method().destination() == GuardedMethod.Destination.AUDIT_SERVICE
            ? auditService.pick()
            : byNation.get(call.nation()).pick();
    URI target =
        URI.create(
            base.getScheme()
                + "://"
                + base.getRawAuthority()
                + exchange.getRequest().getPath().value());
    exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, target);
    call.span().setAttribute("server.address", base.getRawAuthority());
    return chain.filter(exchange);
  }
}
