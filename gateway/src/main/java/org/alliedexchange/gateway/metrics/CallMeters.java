package org.alliedexchange.gateway.metrics;

import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.alliedexchange.gateway.GrpcResponses;
import org.alliedexchange.gateway.access.GuardedMethod;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * Counts every gRPC call at the gateway by method and the status its caller got ({@value #CALLS}:
 * refusals at the door, the guard's ends and the backends' statuses alike) and gauges the server
 * streams open ({@value #OPEN_STREAMS}). Every counter is registered at start-up, so a call does
 * one map lookup and one increment; a path the API does not name counts as method {@code other}.
 */
public final class CallMeters implements WebFilter, Ordered {

  /** The same names as the backends' ({@code CallMetrics} of the service runtime). */
  public static final String CALLS = "allied.grpc.calls";

  public static final String OPEN_STREAMS = "allied.grpc.open.streams";

  private static final Status.Code[] CODES = Status.Code.values();

  private final GuardedMethods methods;
  private final Map<String, Counter[]> byPath = new HashMap<>();
  private final Counter[] other;
  private final AtomicInteger openStreams = new AtomicInteger();

  public CallMeters(MeterRegistry registry, GuardedMethods methods) {
    this.methods = methods;
    for (String path : methods.paths()) {
      // the path is /package.Service/Method; the tag is the gRPC full name, as the backends tag
      byPath.put(path, register(registry, path.substring(1)));
    }
    other = register(registry, "other");
    Gauge.builder(OPEN_STREAMS, openStreams, AtomicInteger::get)
        .description("Server-streaming calls open now")
        .register(registry);
  }

  private static Counter[] register(MeterRegistry registry, String method) {
    Counter[] counters = new Counter[CODES.length];
    for (Status.Code code : CODES) {
      counters[code.value()] =
          Counter.builder(CALLS)
              .description("Calls ended, by method and the gRPC status the caller got")
              .tag("method", method)
              .tag("status", code.name())
              .register(registry);
    }
    return counters;
  }

  /** First: a refusal by any later filter is counted too. */
  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!GrpcResponses.isGrpc(exchange)) {
      return chain.filter(exchange);
    }
    String path = exchange.getRequest().getPath().value();
    Counter[] counters = byPath.getOrDefault(path, other);
    GuardedMethod method = counters == other ? null : methods.at(path);
    boolean stream = method != null && method.serverStreaming();
    if (stream) {
      openStreams.incrementAndGet();
    }
    return chain
        .filter(exchange)
        .doFinally(
            signal -> {
              if (stream) {
                openStreams.decrementAndGet();
              }
              counters[status(exchange, signal)].increment();
            });
  }

  /** The status the caller got: the trailers' or a trailers-only answer's; CANCELLED if it left. */
  private static int status(ServerWebExchange exchange, SignalType signal) {
    Object ended = exchange.getAttributes().get(GrpcResponses.STATUS_ATTRIBUTE);
    if (ended instanceof Integer code && code >= 0 && code < CODES.length) {
      return code;
    }
    String header = exchange.getResponse().getHeaders().getFirst(GrpcResponses.STATUS);
    if (header != null && header.length() <= 2) {
      try {
        int code = Integer.parseInt(header);
        if (code >= 0 && code < CODES.length) {
          return code;
        }
      } catch (NumberFormatException e) {
        return Status.Code.UNKNOWN.value();
      }
    }
    if (signal == SignalType.CANCEL) {
      return Status.Code.CANCELLED.value();
    }
    return signal == SignalType.ON_ERROR ? Status.Code.INTERNAL.value() : Status.Code.OK.value();
  }
}
