package org.alliedexchange.gateway.guard;

import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.alliedexchange.api.CanonicalMessages;
import org.alliedexchange.api.LabelFields;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.gateway.GrpcResponses;
import org.alliedexchange.gateway.access.GuardedMethod;
import org.alliedexchange.gateway.access.IdentityRevocations;
import org.alliedexchange.label.ProtoLabels;
import org.alliedexchange.policy.OriginationRefusal;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The guard around the proxied call. Before: a publish's label must be valid and canonical, name
 * the caller's nation as originator, and be one the caller could itself read; the exchange service
 * is asked for identity encoding and given the trace context. After: every response message passes
 * {@link ResponseGuard}. A stream ends, with the status the revocations give it, when its caller's
 * identity changes or its token expires ({@link IdentityRevocations}). Ordered before Spring Cloud
 * Gateway's response writer, so the writer writes into the guarded response.
 */
public final class ReleaseGuardFilter implements GlobalFilter, Ordered {

  private static final Logger LOG = LoggerFactory.getLogger(ReleaseGuardFilter.class);
  private static final TextMapSetter<GuardedCall> FOR_BACKEND =
      (call, key, value) -> call.setForBackend(key.toLowerCase(java.util.Locale.ROOT), value);

  private final ResponseGuard guard;
  private final Supplier<ReleasabilityEngine> engine;
  private final IdentityRevocations revocations;
  private final OpenTelemetry telemetry;
  private final int maxMessageBytes;

  /**
   * @param engine the engine whose label and origination rules a publish's label must pass here, as
   *     at the exchange service
   * @param revocations what ends open streams: identity changes and token expiry
   */
  public ReleaseGuardFilter(
      ResponseGuard guard,
      Supplier<ReleasabilityEngine> engine,
      IdentityRevocations revocations,
      OpenTelemetry telemetry,
      int maxMessageBytes) {
    this.guard = guard;
    this.engine = engine;
    this.revocations = revocations;
    this.telemetry = telemetry;
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public int getOrder() {
    return NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;
  }

  /**
   * Routes whose responses carry no labelled items: the auditor console's static page (the
   * console's data comes through the guarded API).
   */
  public static final java.util.Set<String> UNGUARDED_ROUTES = java.util.Set.of("console");

  private static boolean isUnguardedRoute(ServerWebExchange exchange) {
    org.springframework.cloud.gateway.route.Route route =
        exchange.getAttribute(
            org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
    return route != null
        && UNGUARDED_ROUTES.contains(route.getId())
        && !GrpcResponses.isGrpc(exchange);
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    GuardedCall call = exchange.getAttribute(GuardedCall.ATTRIBUTE);
    if (call == null && isUnguardedRoute(exchange)) {
      return chain.filter(exchange);
    }
    if (call == null) {
      // only calls admitted by the access filter are routed; anything else is refused, not proxied
      return GrpcResponses.refuse(
          exchange,
          Status.Code.INTERNAL,
          "the call reached the guard without passing the access filter");
    }
    // the guard reads messages, so it takes them uncompressed
    call.setForBackend("grpc-accept-encoding", "identity");
    telemetry
        .getPropagators()
        .getTextMapPropagator()
        .inject(Context.root().with(call.span()), call, FOR_BACKEND);
    ServerHttpRequest request = exchange.getRequest();
    Mono<ServerHttpRequest> checked =
        call.method().requestLabelled() ? checkRequestLabel(request, call) : Mono.just(request);
    IdentityRevocations.OpenStream stream =
        call.method().serverStreaming() ? revocations.open(call) : null;
    return checked
        .flatMap(
            req -> {
              ServerWebExchange guarded =
                  exchange
                      .mutate()
                      .request(req)
                      .response(new GuardedResponse(exchange.getResponse(), call, stream))
                      .build();
              Mono<Void> proxied = chain.filter(guarded);
              return stream == null ? proxied : endBeforeAnswer(exchange, call, stream, proxied);
            })
        .onErrorResume(
            RequestRefused.class, e -> GrpcResponses.refuse(exchange, e.code, e.getMessage()))
        .onErrorResume(
            ResponseGuard.GuardAbort.class,
            e -> Mono.fromRunnable(() -> endWithGuardStatus(exchange, call)))
        // a limit of the caller's found exceeded on the way (its request bytes): the door's status
        .onErrorResume(
            e -> e instanceof GrpcResponses.Refused && !exchange.getResponse().isCommitted(),
            e -> GrpcResponses.refuse(exchange, ((GrpcResponses.Refused) e).code(), e.getMessage()))
        .onErrorResume(
            e -> !(e instanceof ResponseGuard.GuardAbort),
            e -> {
              LOG.debug("call to {} failed", call.backendName(), e);
              String message = call.backendName() + " did not answer: " + e.getMessage();
              if (!exchange.getResponse().isCommitted()) {
                return GrpcResponses.refuse(exchange, Status.Code.UNAVAILABLE, message);
              }
              call.endWith(Status.Code.UNAVAILABLE, message);
              return Mono.fromRunnable(() -> endWithGuardStatus(exchange, call));
            })
        .doFinally(
            signal -> {
              if (stream != null) {
                stream.close();
              }
              call.span()
                  .setAttribute(
                      AttributeKey.longKey("allied.released"), (long) call.releasedCount());
              call.span()
                  .setAttribute(
                      AttributeKey.longKey("allied.withheld"), (long) call.withheldCount());
              if (call.endCode() != null) {
                call.span()
                    .setAttribute(
                        AttributeKey.longKey("rpc.grpc.status_code"),
                        (long) call.endCode().value());
                call.span().setStatus(StatusCode.ERROR, call.endMessage());
              }
            });
  }

  /**
   * A stream told to end before the exchange service has answered at all (gRPC sends no headers
   * before the first message) is cut here and refused; once messages flow, the guarded body ends
   * it.
   */
  private static Mono<Void> endBeforeAnswer(
      ServerWebExchange exchange,
      GuardedCall call,
      IdentityRevocations.OpenStream stream,
      Mono<Void> proxied) {
    Mono<Boolean> unanswered =
        stream
            .ended()
            .then(
                Mono.defer(
                    () -> exchange.getResponse().isCommitted() ? Mono.never() : Mono.just(true)));
    return proxied
        .takeUntilOther(unanswered)
        .then(
            Mono.defer(
                () ->
                    stream.ending() && !exchange.getResponse().isCommitted()
                        ? GrpcResponses.refuse(exchange, call.endCode(), call.endMessage())
                        : Mono.empty()));
  }

  private static void endWithGuardStatus(ServerWebExchange exchange, GuardedCall call) {
    HttpHeaders extra = new HttpHeaders();
    GuardTrailers.addGuardTrailers(extra, call, 0);
    GrpcResponses.endWith(exchange, call.endCode(), call.endMessage(), extra);
  }

  /**
   * Reads the one request message of a publish and checks its label's originator before anything is
   * sent on.
   */
  private Mono<ServerHttpRequest> checkRequestLabel(ServerHttpRequest request, GuardedCall call) {
    String encoding = request.getHeaders().getFirst("grpc-encoding");
    return DataBufferUtils.join(request.getBody(), maxMessageBytes + 5)
        .onErrorMap(
            DataBufferLimitException.class::isInstance,
            e ->
                new RequestRefused(
                    Status.Code.RESOURCE_EXHAUSTED,
                    "the request exceeds " + maxMessageBytes + " bytes"))
        .switchIfEmpty(
            Mono.error(
                () ->
                    new RequestRefused(Status.Code.INVALID_ARGUMENT, "the request has no message")))
        .map(
            body -> {
              byte[] bytes = new byte[body.readableByteCount()];
              body.read(bytes);
              DataBufferUtils.release(body);
              checkPublish(bytes, call, encoding);
              return (ServerHttpRequest)
                  new ServerHttpRequestDecorator(request) {
                    @Override
                    public Flux<DataBuffer> getBody() {
                      return Flux.defer(
                          () -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(bytes)));
                    }
                  };
            });
  }

  private void checkPublish(byte[] frame, GuardedCall call, String encoding) {
    // the same reader the responses pass through: compressed and oversized frames are refused alike
    GrpcFrameReader reader = new GrpcFrameReader(maxMessageBytes);
    List<byte[]> messages = new ArrayList<>(1);
    try {
      reader.feed(DefaultDataBufferFactory.sharedInstance.wrap(frame), messages::add);
    } catch (GrpcFrameReader.FrameException e) {
      throw new RequestRefused(
          Status.Code.INVALID_ARGUMENT,
          "the request was refused (grpc-encoding " + encoding + "): " + e.getMessage());
    }
    if (messages.size() != 1 || !reader.atBoundary()) {
      throw new RequestRefused(
          Status.Code.INVALID_ARGUMENT, "a publish carries exactly one whole gRPC message");
    }
    byte[] message = messages.get(0);
    // an exchange Publish is bound (content 2, binding 3); a hotline Send is not: its fields 2 and
    // 3 are the conference and the precedence
    boolean boundRequest = call.method().destination() != GuardedMethod.Destination.HOTLINE;
    LabelFields fields = LabelFields.scan(message, boundRequest);
    if (fields == null || fields.labelCount() != 1) {
      throw new RequestRefused(
          Status.Code.INVALID_ARGUMENT, "a publish carries exactly one label, as field 1");
    }
    SecurityLabel label;
    try {
      label = fields.label(message);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new RequestRefused(
          Status.Code.INVALID_ARGUMENT,
          "the publish's label is not a SecurityLabel: " + e.getMessage());
    }
    if (!label.getOriginator().equals(call.caller().nation())) {
      throw new RequestRefused(
          Status.Code.PERMISSION_DENIED,
          "third-party rule: "
              + call.caller().system()
              + " of "
              + call.caller().nation()
              + " may publish only its own nation's products, not one originated by "
              + (label.getOriginator().isEmpty() ? "nobody" : label.getOriginator())
              + "; ask the originator to amend its releasability");
    }
    // the domain's rules, as the exchange service applies them: a valid, canonical label that the
    // publisher could itself read; refused here, nothing reaches the exchange service
    Optional<String> unknown = CanonicalMessages.firstUnknownField(label);
    if (unknown.isPresent()) {
      throw new RequestRefused(
          Status.Code.INVALID_ARGUMENT,
          "the request holds a field this service does not know, at label."
              + unknown.get()
              + "; nothing was done");
    }
    OriginationRefusal refusal =
        engine
            .get()
            .refuseOrigination(ProtoLabels.toDomain(label), call.caller().asRecipient())
            .orElse(null);
    if (refusal != null) {
      throw new RequestRefused(
          refusal.kind() == OriginationRefusal.Kind.LABEL_INVALID
              ? Status.Code.INVALID_ARGUMENT
              : Status.Code.PERMISSION_DENIED,
          refusal.message());
    }
  }

  /** A request the guard refuses before it reaches the exchange service. */
  private static final class RequestRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final Status.Code code;

    RequestRefused(Status.Code code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /** The response, with every message passing the guard on its way out. */
  private final class GuardedResponse extends ServerHttpResponseDecorator {
    private final GuardedCall call;
    private final IdentityRevocations.OpenStream stream;

    GuardedResponse(
        ServerHttpResponse delegate, GuardedCall call, IdentityRevocations.OpenStream stream) {
      super(delegate);
      this.call = call;
      this.stream = stream;
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
      return super.writeWith(guard.guard(call, untilEnded(Flux.from(body)), bufferFactory()))
          .then(Mono.defer(this::endIfGuardSaysSo));
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
      Flux<DataBuffer> flat = untilEnded(Flux.from(body).concatMap(Flux::from));
      return super.writeAndFlushWith(guard.guard(call, flat, bufferFactory()).map(Flux::just))
          .then(Mono.defer(this::endIfGuardSaysSo));
    }

    /** A stream told to end reads nothing more from the exchange service (cancelling it). */
    private Flux<DataBuffer> untilEnded(Flux<DataBuffer> body) {
      return stream == null ? body : body.takeUntilOther(stream.ended());
    }

    /**
     * The body is out; if the guard ended the call, its status replaces the exchange service's
     * trailers.
     */
    private Mono<Void> endIfGuardSaysSo() {
      return call.endCode() == null ? Mono.empty() : Mono.error(new ResponseGuard.GuardAbort());
    }
  }
}
