package org.alliedexchange.gateway.routing;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.alliedexchange.gateway.guard.GuardedCall;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Sends each call to the exchange service of the nation it names (a hotline call to that nation's
 * hotline node, an auditor's to the audit service), taking that nation's replicas in turn. Runs
 * right after Spring Cloud Gateway has resolved the route's placeholder URL, and replaces it.
 */
public final class NationRouter implements GlobalFilter, Ordered {

  private record Replicas(List<URI> addresses, AtomicInteger next) {
    URI pick() {
      return addresses.get(Math.floorMod(next.getAndIncrement(), addresses.size()));
    }
  }

  private final Map<String, Replicas> byNation;
  private final Map<String, Replicas> hotlineByNation;
  private final Replicas auditService;

  /**
   * @param auditService the audit service's replicas; empty when this gateway serves no auditors
   */
  public NationRouter(Map<String, List<URI>> addressesByNation, List<URI> auditService) {
    this(addressesByNation, Map.of(), auditService);
  }

  /**
   * @param hotlineByNation each nation's hotline node replicas; a nation without one is absent
   */
  public NationRouter(
      Map<String, List<URI>> addressesByNation,
      Map<String, List<URI>> hotlineByNation,
      List<URI> auditService) {
    this.auditService = new Replicas(List.copyOf(auditService), new AtomicInteger());
    this.byNation = replicas(addressesByNation);
    this.hotlineByNation = replicas(hotlineByNation);
  }

  private static Map<String, Replicas> replicas(Map<String, List<URI>> addresses) {
    return Map.copyOf(
        addresses.entrySet().stream()
            .filter(e -> !e.getValue().isEmpty())
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
        switch (call.method().destination()) {
          case AUDIT_SERVICE -> auditService.pick();
          // the access filter admits only calls to a nation with a hotline node
          case HOTLINE -> hotlineByNation.get(call.nation()).pick();
          case NATION -> byNation.get(call.nation()).pick();
        };
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
