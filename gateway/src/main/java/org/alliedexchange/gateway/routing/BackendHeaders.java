package org.alliedexchange.gateway.routing;

import io.grpc.Status;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.alliedexchange.gateway.GrpcResponses;
import org.alliedexchange.gateway.guard.GuardedCall;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * The headers a backend receives, built in one pass over the caller's: no hop-by-hop header, no
 * {@code Forwarded} or {@code X-Forwarded-*} a caller could forge, {@code te: trailers} on a gRPC
 * call, and what the guard sets for its call ({@link GuardedCall#forBackend}: the deadline, the
 * uncompressed encoding it reads, the trace context) in place of anything the caller sent under
 * those names.
 *
 * <p>This replaces Spring Cloud Gateway's five default request filters (hop-by-hop, Forwarded,
 * X-Forwarded, transfer-encoding, gRPC's te), each of which copied every header again, and the
 * guard's own two copies of the request ({@code RoutingConfiguration} removes the defaults).
 * Responses of routes the guard does not rewrite (the console's page) lose their hop-by-hop headers
 * here too; a guarded call's response headers are an allowlist ({@code GuardTrailers}).
 */
public final class BackendHeaders implements HttpHeadersFilter, Ordered {

  /** The beans of Spring Cloud Gateway's request filters that this one replaces. */
  public static final List<String> REPLACED_DEFAULT_FILTERS =
      List.of(
          "removeHopByHopHeadersFilter",
          "removeForwardedHeadersFilter",
          "removeXForwardedHeadersFilter",
          "transferEncodingNormalizationHeadersFilter",
          "gRPCRequestHeadersFilter");

  /** Meaningful for one connection only (RFC 9110 7.6.1), and Spring Boot's application name. */
  static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "transfer-encoding",
          "te",
          "trailer",
          "proxy-authorization",
          "proxy-authenticate",
          "x-application-context",
          "upgrade");

  private final Type type;

  private BackendHeaders(Type type) {
    this.type = type;
  }

  /** The filter of the headers sent to a backend. */
  public static BackendHeaders forRequests() {
    return new BackendHeaders(Type.REQUEST);
  }

  /** The filter of the headers a backend answers with. */
  public static BackendHeaders forResponses() {
    return new BackendHeaders(Type.RESPONSE);
  }

  @Override
  public int getOrder() {
    return 0;
  }

  @Override
  public boolean supports(Type type) {
    return type == this.type;
  }

  @Override
  public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
    GuardedCall call = exchange.getAttribute(GuardedCall.ATTRIBUTE);
    boolean response = type == Type.RESPONSE;
    if (response && call != null) {
      // a guarded call's response headers are an allowlist already (GuardTrailers)
      return input;
    }
    Map<String, String> set = call == null || response ? Map.of() : call.forBackend();
    HttpHeaders out = new HttpHeaders();
    boolean guardedRequest = call != null && !response;
    io.netty.handler.codec.http.HttpHeaders received =
        response ? null : nettyHeaders(input, exchange);
    if (received != null) {
      // the caller's headers as Netty decoded them, one entry at a time: Spring's view of them
      // looks
      // each name up again
      for (var iterator = received.iteratorAsString(); iterator.hasNext(); ) {
        Map.Entry<String, String> header = iterator.next();
        String name = header.getKey();
        if (passes(name, set)) {
          if (guardedRequest) {
            checkMetadata(name, header.getValue());
          }
          out.add(name, header.getValue());
        }
      }
    } else {
      input.forEach(
          (name, values) -> {
            if (passes(name, set)) {
              if (guardedRequest) {
                values.forEach(value -> checkMetadata(name, value));
              }
              out.addAll(name, values);
            }
          });
    }
    if (!response) {
      if (GrpcResponses.isGrpc(exchange)) {
        // gRPC needs it end to end, although te is hop-by-hop
        out.set("te", "trailers");
      }
      set.forEach(out::set);
    }
    return out;
  }

  /**
   * gRPC metadata values are printable ASCII (binary ones base64 under a {@code -bin} name): a
   * control character or anything beyond ASCII never reaches a backend.
   */
  private static void checkMetadata(String name, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c > 0x7E) {
        throw new GrpcResponses.Refused(
            Status.Code.INVALID_ARGUMENT,
            "the metadata "
                + printable(name)
                + " holds a character gRPC metadata may not (U+"
                + String.format("%04X", (int) c)
                + "): only printable ASCII, or base64 under a -bin name");
      }
    }
  }

  /**
   * The Netty headers behind the request's, when {@code input} is the request's own (no filter
   * before this one changed them); null otherwise.
   */
  private static io.netty.handler.codec.http.HttpHeaders nettyHeaders(
      HttpHeaders input, ServerWebExchange exchange) {
    if (input != exchange.getRequest().getHeaders()) {
      return null;
    }
    Object nativeRequest;
    try {
      nativeRequest =
          org.springframework.http.server.reactive.ServerHttpRequestDecorator.getNativeRequest(
              exchange.getRequest());
    } catch (IllegalStateException notFromAServer) {
      // a request no server received (a test's mock) has no native request: read Spring's view
      return null;
    }
    return nativeRequest instanceof reactor.netty.http.server.HttpServerRequest request
        ? request.requestHeaders()
        : null;
  }

  /** A header name quoted safely: printable ASCII, at most 64 characters. */
  private static String printable(String name) {
    StringBuilder quoted = new StringBuilder("`");
    for (int i = 0; i < name.length() && i < 64; i++) {
      char c = name.charAt(i);
      quoted.append(c >= 0x20 && c <= 0x7E ? c : '?');
    }
    return quoted.append('`').toString();
  }

  /**
   * Whether the caller's header {@code name} goes on: not dropped, and not one the gateway sets.
   */
  private static boolean passes(String name, Map<String, String> set) {
    String lower = lower(name);
    return !dropped(lower) && !set.containsKey(lower);
  }

  /**
   * @param name a header name in lower case
   */
  static boolean dropped(String name) {
    return HOP_BY_HOP.contains(name) || name.equals("forwarded") || name.startsWith("x-forwarded-");
  }

  private static String lower(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return name.toLowerCase(Locale.ROOT);
      }
    }
    return name;
  }
}
