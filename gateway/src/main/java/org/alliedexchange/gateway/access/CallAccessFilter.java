package org.alliedexchange.gateway.access;

import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.gateway.GrpcResponses;
import org.alliedexchange.gateway.guard.GuardedCall;
import org.alliedexchange.gateway.ratelimit.CallLimits;
import org.alliedexchange.gateway.ratelimit.RateLimiter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The door of every gRPC call, before any routing: the method must be one the gateway serves, the
 * nation named in {@value #NATION_HEADER} must have an exchange service, the bearer token must
 * validate in full, the caller must hold the method's role (and call its own nation to publish or
 * amend), its token must not be revoked by a later identity change ({@link IdentityRevocations}),
 * and its system must be within its rate limit and, for a stream, its open streams ({@link
 * CallLimits}). Each refusal ends the call with a gRPC status and a message a developer can act on;
 * a token that cannot be checked because the realm's keys could not be fetched is refused
 * UNAVAILABLE, not UNAUTHENTICATED. A call that passes gets a server span and a {@link
 * GuardedCall}; its request bytes count against its system's buffered bytes while unread, and a
 * unary call ends DEADLINE_EXCEEDED when its backend has not answered within its deadline ({@link
 * CallDeadlines}).
 */
public final class CallAccessFilter implements WebFilter, Ordered {

  /**
   * The request metadata naming the nation whose exchange service the call is for (ISO 3166-1
   * alpha-3).
   */
  public static final String NATION_HEADER = AlliedMetadata.NATION_NAME;

  private static final TextMapGetter<HttpHeaders> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
          return carrier.headerNames();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
          return carrier == null ? null : carrier.getFirst(key);
        }
      };

  private final GuardedMethods methods;
  private final Set<String> nations;
  private final Set<String> hotlineNations;
  private final TokenValidator tokens;
  private final RateLimiter rateLimiter;
  private final CallLimits limits;
  private final CallDeadlines deadlines;
  private final IdentityRevocations revocations;
  private final OpenTelemetry telemetry;
  private final Tracer tracer;

  private final boolean auditServiceConfigured;

  public CallAccessFilter(
      GuardedMethods methods,
      Set<String> nations,
      boolean auditServiceConfigured,
      TokenValidator tokens,
      RateLimiter rateLimiter,
      CallLimits limits,
      CallDeadlines deadlines,
      IdentityRevocations revocations,
      OpenTelemetry telemetry) {
    this(
        methods,
        nations,
        Set.of(),
        auditServiceConfigured,
        tokens,
        rateLimiter,
        limits,
        deadlines,
        revocations,
        telemetry);
  }

  /**
   * @param hotlineNations the nations with a hotline node behind this gateway
   */
  public CallAccessFilter(
      GuardedMethods methods,
      Set<String> nations,
      Set<String> hotlineNations,
      boolean auditServiceConfigured,
      TokenValidator tokens,
      RateLimiter rateLimiter,
      CallLimits limits,
      CallDeadlines deadlines,
      IdentityRevocations revocations,
      OpenTelemetry telemetry) {
    this.hotlineNations = Set.copyOf(hotlineNations);
    this.limits = limits;
    this.deadlines = deadlines;
    this.methods = methods;
    this.revocations = revocations;
    this.auditServiceConfigured = auditServiceConfigured;
    this.nations = Set.copyOf(nations);
    this.tokens = tokens;
    this.rateLimiter = rateLimiter;
    this.telemetry = telemetry;
    this.tracer = telemetry.getTracer("org.alliedexchange.gateway");
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE + 10;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!GrpcResponses.isGrpc(exchange)) {
      return chain.filter(exchange);
    }
    HttpHeaders headers = exchange.getRequest().getHeaders();
    String path = exchange.getRequest().getPath().value();
    GuardedMethod method = methods.at(path);
    Context parent =
        telemetry.getPropagators().getTextMapPropagator().extract(Context.root(), headers, HEADERS);
    Span span =
        tracer
            .spanBuilder(method == null ? "unknown" : method.displayName())
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("rpc.system", "grpc")
            .setAttribute("url.path", path)
            .startSpan();
    return access(exchange, chain, headers, path, method, span).doFinally(signal -> span.end());
  }

  private Mono<Void> access(
      ServerWebExchange exchange,
      WebFilterChain chain,
      HttpHeaders headers,
      String path,
      GuardedMethod method,
      Span span) {
    if (method == null) {
      return refuse(
          exchange,
          span,
          Status.Code.UNIMPLEMENTED,
          "the gateway does not serve " + path + "; it serves " + methods.paths());
    }
    span.setAttribute("rpc.service", method.service()).setAttribute("rpc.method", method.method());
    if (method.destination() == GuardedMethod.Destination.AUDIT_SERVICE) {
      if (!auditServiceConfigured) {
        return refuse(
            exchange,
            span,
            Status.Code.UNAVAILABLE,
            "this gateway has no audit service to send "
                + method.displayName()
                + " to (allied.gateway.audit-service.addresses)");
      }
      // the audit service is federation-wide: the call is made, and recorded, as of the caller's
      // own nation
      return authenticate(exchange, chain, headers, method, null, span);
    }
    String nation = headers.getFirst(NATION_HEADER);
    if (nation == null || nation.isBlank()) {
      return refuse(
          exchange,
          span,
          Status.Code.INVALID_ARGUMENT,
          "name the nation to call in the `" + NATION_HEADER + "` metadata, one of " + nations);
    }
    if (method.destination() == GuardedMethod.Destination.HOTLINE) {
      if (!hotlineNations.contains(nation)) {
        return refuse(
            exchange,
            span,
            Status.Code.NOT_FOUND,
            "no hotline node for nation "
                + nation
                + "; this gateway serves the hotline nodes of "
                + new java.util.TreeSet<>(hotlineNations));
      }
    } else if (!nations.contains(nation)) {
      return refuse(
          exchange,
          span,
          Status.Code.NOT_FOUND,
          "no exchange service for nation " + nation + "; this gateway serves " + nations);
    }
    span.setAttribute("allied.nation", nation);
    return authenticate(exchange, chain, headers, method, nation, span);
  }

  /**
   * @param nation the nation called, or null for a federation-wide service (the caller's own nation
   *     is used)
   */
  private Mono<Void> authenticate(
      ServerWebExchange exchange,
      WebFilterChain chain,
      HttpHeaders headers,
      GuardedMethod method,
      String nation,
      Span span) {
    String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
    TokenValidator.Validated remembered = tokens.remembered(authorization);
    if (remembered != null) {
      return authorize(exchange, chain, method, nation, remembered, span);
    }
    // a token not seen before may need the realm's keys fetched: off the event loop
    return Mono.fromCallable(() -> tokens.validatedHeader(authorization))
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(who -> authorize(exchange, chain, method, nation, who, span))
        .onErrorResume(
            TokenValidator.InvalidTokenException.class,
            e -> refuse(exchange, span, Status.Code.UNAUTHENTICATED, e.getMessage()))
        // fails closed, but not as the caller's fault: UNAVAILABLE tells it to retry, where
        // UNAUTHENTICATED would have it (and its operators) distrust credentials that are fine
        .onErrorResume(
            TokenValidator.KeysUnavailableException.class,
            e -> refuse(exchange, span, Status.Code.UNAVAILABLE, keysUnavailable(e)));
  }

  /** What a caller is told when no token can be checked now; nothing of its token is in it. */
  public static String keysUnavailable(TokenValidator.KeysUnavailableException e) {
    return "the gateway cannot check tokens now: "
        + e.getMessage()
        + "; retry later, the token itself was not refused";
  }

  private Mono<Void> authorize(
      ServerWebExchange exchange,
      WebFilterChain chain,
      GuardedMethod method,
      String calledNation,
      TokenValidator.Validated token,
      Span span) {
    Caller caller = token.caller();
    String nation = calledNation != null ? calledNation : caller.nation();
    span.setAttribute("allied.caller.system", caller.system())
        .setAttribute("allied.caller.nation", caller.nation());
    String unfollowed = revocations.problem();
    if (unfollowed != null) {
      return refuse(exchange, span, Status.Code.UNAVAILABLE, unfollowed);
    }
    String revoked = revocations.revoked(caller.system(), token.issuedAt());
    if (revoked != null) {
      return refuse(exchange, span, Status.Code.UNAUTHENTICATED, revoked);
    }
    if (!caller.hasRole(method.role())) {
      return refuse(
          exchange,
          span,
          Status.Code.PERMISSION_DENIED,
          caller.system()
              + " lacks the role "
              + method.role()
              + " that "
              + method.displayName()
              + " needs");
    }
    if (method.ownNationOnly() && !caller.nation().equals(nation)) {
      return refuse(
          exchange,
          span,
          Status.Code.PERMISSION_DENIED,
          method.displayName()
              + " goes only to the caller's own nation: "
              + caller.system()
              + " is of "
              + caller.nation()
              + ", not "
              + nation);
    }
    java.util.concurrent.CompletableFuture<RateLimiter.Outcome> limit =
        rateLimiter.acquire(caller.system());
    if (limit.isDone() && !limit.isCompletedExceptionally()) {
      // the common case: the replica's lease for this second still has calls in it
      return admit(exchange, chain, method, nation, token, span, limit.join());
    }
    return Mono.fromFuture(limit)
        .onErrorResume(e -> Mono.error(new RateLimitUnavailable(e)))
        .flatMap(outcome -> admit(exchange, chain, method, nation, token, span, outcome))
        .onErrorResume(
            RateLimitUnavailable.class,
            e ->
                refuse(
                    exchange,
                    span,
                    Status.Code.UNAVAILABLE,
                    "the rate limiter's Redis did not answer, so the call cannot be counted: "
                        + e.getCause().getMessage()));
  }

  private Mono<Void> admit(
      ServerWebExchange exchange,
      WebFilterChain chain,
      GuardedMethod method,
      String nation,
      TokenValidator.Validated token,
      Span span,
      RateLimiter.Outcome outcome) {
    Caller caller = token.caller();
    if (outcome == RateLimiter.Outcome.LIMITED) {
      return refuse(
          exchange,
          span,
          Status.Code.RESOURCE_EXHAUSTED,
          caller.system()
              + " exceeded its limit of "
              + rateLimiter.limitFor(caller.system())
              + " calls per second; retry in the next second");
    }
    GuardedCall call =
        new GuardedCall(caller, method, nation, span, token.issuedAt(), token.expiresAt());
    if (method.serverStreaming()) {
      CallLimits.StreamSlot slot;
      try {
        slot = limits.openStream(caller.system());
      } catch (GrpcResponses.Refused e) {
        return refuse(exchange, span, e.code(), e.getMessage());
      }
      // the caller's own grpc-timeout, if any, goes on as sent
      ServerWebExchange admitted = admitted(exchange, call, null);
      return endRefused(admitted, span, chain.filter(admitted)).doFinally(signal -> slot.close());
    }
    Duration deadline;
    try {
      deadline =
          deadlines.forUnary(
              method, exchange.getRequest().getHeaders().getFirst(CallDeadlines.HEADER));
    } catch (GrpcResponses.Refused e) {
      return refuse(exchange, span, e.code(), e.getMessage());
    }
    ServerWebExchange admitted = admitted(exchange, call, CallDeadlines.backendHeader(deadline));
    return endRefused(
        admitted, span, withDeadline(admitted, call, chain.filter(admitted), deadline));
  }

  /**
   * The call as the gateway sends it on: its request bytes counted while unread, and the backend
   * told the deadline ({@code grpcTimeout}, or the caller's as sent when null).
   */
  private ServerWebExchange admitted(
      ServerWebExchange exchange, GuardedCall call, String grpcTimeout) {
    exchange.getAttributes().put(GuardedCall.ATTRIBUTE, call);
    if (grpcTimeout != null) {
      call.setForBackend(CallDeadlines.HEADER, grpcTimeout);
    }
    ServerHttpRequest request = exchange.getRequest();
    String system = call.caller().system();
    ServerHttpRequest counted =
        new ServerHttpRequestDecorator(request) {
          @Override
          public Flux<DataBuffer> getBody() {
            return limits.countBuffered(system, super.getBody());
          }
        };
    return exchange.mutate().request(counted).build();
  }

  /**
   * Ends the call DEADLINE_EXCEEDED when the backend has not answered in full within {@code
   * deadline}; the guard's span and records see the status as if the backend had sent it.
   */
  private static Mono<Void> withDeadline(
      ServerWebExchange exchange, GuardedCall call, Mono<Void> proxied, Duration deadline) {
    AtomicBoolean expired = new AtomicBoolean();
    Mono<Long> timer =
        Mono.delay(deadline)
            .doOnNext(
                tick -> {
                  expired.set(true);
                  call.endWith(
                      Status.Code.DEADLINE_EXCEEDED,
                      call.backendName()
                          + " did not answer within the call's deadline of "
                          + deadline.toMillis()
                          + " ms (the caller's grpc-timeout, at most "
                          + CallDeadlines.keyFor(call.method())
                          + ")");
                });
    return proxied
        .takeUntilOther(timer)
        .then(
            Mono.defer(
                () -> {
                  if (!expired.get()) {
                    return Mono.empty();
                  }
                  call.span()
                      .setAttribute(
                          AttributeKey.longKey("rpc.grpc.status_code"),
                          (long) Status.Code.DEADLINE_EXCEEDED.value())
                      .setStatus(StatusCode.ERROR, call.endMessage());
                  if (exchange.getResponse().isCommitted()) {
                    GrpcResponses.endWith(
                        exchange, call.endCode(), call.endMessage(), new HttpHeaders());
                    return Mono.empty();
                  }
                  return GrpcResponses.refuse(exchange, call.endCode(), call.endMessage());
                }));
  }

  /** A limit found exceeded while the call runs (its request bytes) ends it with its status. */
  private static Mono<Void> endRefused(ServerWebExchange exchange, Span span, Mono<Void> call) {
    return call.onErrorResume(
        GrpcResponses.Refused.class,
        e ->
            exchange.getResponse().isCommitted()
                ? Mono.error(e)
                : refuse(exchange, span, e.code(), e.getMessage()));
  }

  private static Mono<Void> refuse(
      ServerWebExchange exchange, Span span, Status.Code code, String message) {
    span.setAttribute(AttributeKey.longKey("rpc.grpc.status_code"), (long) code.value());
    span.setStatus(StatusCode.ERROR, message);
    return GrpcResponses.refuse(exchange, code, message);
  }

  private static final class RateLimitUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RateLimitUnavailable(Throwable cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }
}
