package org.alliedexchange.gateway;

import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/** Ends gRPC calls the way gRPC clients understand: a status and a message, never an HTML page. */
public final class GrpcResponses {

  public static final String CONTENT_TYPE = "application/grpc";
  public static final String STATUS = "grpc-status";
  public static final String MESSAGE = "grpc-message";

  /**
   * The exchange attribute holding the gRPC status (an Integer) the call's trailers end it with,
   * for the call counters.
   */
  public static final String STATUS_ATTRIBUTE = "allied.grpc-status";

  private GrpcResponses() {}

  /** A call the gateway ends itself, with this status and message, raised where it is decided. */
  public static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Status.Code code;

    public Refused(Status.Code code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    public Status.Code code() {
      return code;
    }
  }

  public static boolean isGrpc(ServerWebExchange exchange) {
    String type = exchange.getRequest().getHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
    return type != null && type.regionMatches(true, 0, CONTENT_TYPE, 0, CONTENT_TYPE.length());
  }

  /**
   * A trailers-only response: the call ends with {@code code} and {@code message} before any
   * message.
   */
  public static Mono<Void> refuse(ServerWebExchange exchange, Status.Code code, String message) {
    ServerHttpResponse response = exchange.getResponse();
    if (response.isCommitted()) {
      return Mono.error(
          new IllegalStateException(
              "response already committed; cannot end with " + code + ": " + message));
    }
    response.setStatusCode(HttpStatus.OK);
    HttpHeaders headers = response.getHeaders();
    headers.set(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE);
    headers.set(STATUS, Integer.toString(code.value()));
    headers.set(MESSAGE, encodeMessage(message));
    return response.setComplete();
  }

  /** Sets the trailers the call will end with, after messages already sent. */
  public static void endWith(
      ServerWebExchange exchange, Status.Code code, String message, HttpHeaders extra) {
    exchange.getAttributes().put(STATUS_ATTRIBUTE, code.value());
    ServerHttpResponse response = exchange.getResponse();
    while (response instanceof ServerHttpResponseDecorator decorator) {
      response = decorator.getDelegate();
    }
    if (response instanceof AbstractServerHttpResponse server
        && server.getNativeResponse() instanceof HttpServerResponse netty) {
      netty.trailerHeaders(
          trailers -> {
            extra.forEach((name, values) -> values.forEach(value -> trailers.add(name, value)));
            trailers.set(STATUS, Integer.toString(code.value()));
            trailers.set(MESSAGE, encodeMessage(message));
          });
    }
  }

  /**
   * The gRPC spec's percent-encoding of grpc-message: printable ASCII except '%' as is, the rest as
   * UTF-8 %XX.
   */
  public static String encodeMessage(String message) {
    if (message == null) {
      return "";
    }
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      int c = b & 0xFF;
      if (c >= 0x20 && c <= 0x7E && c != '%') {
        out.append((char) c);
      } else {
        out.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return out.toString();
  }
}
