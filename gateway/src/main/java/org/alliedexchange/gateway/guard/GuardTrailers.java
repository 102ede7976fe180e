package org.alliedexchange.gateway.guard;

import com.google.protobuf.InvalidProtocolBufferException;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.gateway.GrpcResponses;
import org.alliedexchange.gateway.access.GuardedMethod;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TrailerHeadersFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.netty.http.client.HttpClientResponse;

/**
 * The trailers a guarded call ends with. A national system learns nothing of what it did not get:
 * any count or reason a backend put in is removed, and a search's {@value
 * GuardedCall#NEXT_CURSOR_TRAILER} never points past a message the guard withheld (it becomes the
 * last released message's cursor, or is dropped when none was released, so paging cannot go round
 * in circles). An auditor's call counts what the guard withheld, {@value
 * GuardedCall#WITHHELD_TRAILER} and {@value GuardedCall#WITHHELD_REASONS_TRAILER}, as each is a gap
 * in the chain the auditor checks. A unary call carries its message's {@value
 * GuardedCall#TRANSFER_ID_TRAILER}, released or withheld.
 */
public final class GuardTrailers implements HttpHeadersFilter, TrailerHeadersFilter {

  /** The longest grpc-message a backend's status may carry to the caller. */
  static final int MAX_MESSAGE_LENGTH = 1024;

  /** The longest next-cursor a backend may hand the caller. */
  static final int MAX_CURSOR_LENGTH = 256;

  /**
   * The response headers of a guarded call: only content-type and a trailers-only answer's status
   * and message pass; anything else the backend sets (its own names, {@code -bin} data, an {@code
   * allied-*} name only the guard may set, {@code grpc-encoding}: every message is read
   * uncompressed) is dropped.
   */
  @Override
  public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
    if (exchange.getAttribute(GuardedCall.ATTRIBUTE) == null && !GrpcResponses.isGrpc(exchange)) {
      // a plain HTTP route (the auditor console's page) keeps its headers
      return input;
    }
    HttpHeaders allowed = new HttpHeaders();
    String type = input.getFirst(HttpHeaders.CONTENT_TYPE);
    allowed.set(
        HttpHeaders.CONTENT_TYPE,
        type != null
                && type.regionMatches(
                    true, 0, GrpcResponses.CONTENT_TYPE, 0, GrpcResponses.CONTENT_TYPE.length())
                && type.length() <= 64
                && printable(type)
            ? type
            : GrpcResponses.CONTENT_TYPE);
    String status = input.getFirst(GrpcResponses.STATUS);
    if (status != null) {
      copyStatus(status, input.getFirst(GrpcResponses.MESSAGE), allowed);
    }
    return allowed;
  }

  @Override
  public boolean supports(Type type) {
    return type == Type.RESPONSE;
  }

  @Override
  public HttpHeaders trailers(HttpHeaders input, ServerWebExchange exchange) {
    GuardedCall call = exchange.getAttribute(GuardedCall.ATTRIBUTE);
    if (call == null && !GrpcResponses.isGrpc(exchange)) {
      // a plain HTTP route (the auditor console's page): not a gRPC call, no status to carry
      return input;
    }
    HttpHeaders backendTrailers = input != null ? input : new HttpHeaders();
    // only an allowlist passes: the status, and the one allied-* value a backend may hand on (its
    // next cursor, corrected below); the guard sets its own allied-* trailers itself
    HttpHeaders trailers = new HttpHeaders();
    String status = backendTrailers.getFirst(GrpcResponses.STATUS);
    if (status != null) {
      copyStatus(status, backendTrailers.getFirst(GrpcResponses.MESSAGE), trailers);
    } else {
      // a trailers-only answer (an error before any message) carried its status in the response
      // headers; these trailers replace the ones Spring Cloud Gateway derived from them, so the
      // status must be here
      HttpClientResponse backend =
          exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR);
      String headerStatus =
          backend == null ? null : backend.responseHeaders().get(GrpcResponses.STATUS);
      if (headerStatus != null) {
        copyStatus(headerStatus, backend.responseHeaders().get(GrpcResponses.MESSAGE), trailers);
      } else {
        trailers.set(GrpcResponses.STATUS, Integer.toString(io.grpc.Status.Code.INTERNAL.value()));
        trailers.set(
            GrpcResponses.MESSAGE, "the exchange service ended the call without a gRPC status");
      }
    }
    String cursor = backendTrailers.getFirst(GuardedCall.NEXT_CURSOR_TRAILER);
    if (cursor != null && cursor.length() <= MAX_CURSOR_LENGTH && printable(cursor)) {
      trailers.set(GuardedCall.NEXT_CURSOR_TRAILER, cursor);
    }
    if (call != null) {
      addGuardTrailers(
          trailers,
          call,
          AlliedMetadata.withheldCount(backendTrailers.getFirst(GuardedCall.WITHHELD_TRAILER)));
    }
    // what the caller gets, for the call counters (copyStatus left a valid code)
    exchange
        .getAttributes()
        .put(
            GrpcResponses.STATUS_ATTRIBUTE,
            Integer.valueOf(trailers.getFirst(GrpcResponses.STATUS)));
    return trailers;
  }

  /**
   * A backend's status as the caller gets it: a gRPC code, or INTERNAL; its message only when it is
   * the percent-encoded printable ASCII gRPC sends, and not too long.
   */
  private static void copyStatus(String status, String message, HttpHeaders into) {
    int code;
    try {
      code = Integer.parseInt(status.trim());
    } catch (NumberFormatException e) {
      code = -1;
    }
    if (code < 0 || code > io.grpc.Status.Code.UNAUTHENTICATED.value()) {
      into.set(GrpcResponses.STATUS, Integer.toString(io.grpc.Status.Code.INTERNAL.value()));
      into.set(GrpcResponses.MESSAGE, "the backend ended the call with an invalid gRPC status");
      return;
    }
    into.set(GrpcResponses.STATUS, Integer.toString(code));
    if (message != null && message.length() <= MAX_MESSAGE_LENGTH && printable(message)) {
      into.set(GrpcResponses.MESSAGE, message);
    } else if (message != null) {
      into.set(
          GrpcResponses.MESSAGE,
          GrpcResponses.encodeMessage("the backend's status message was dropped: not valid"));
    }
  }

  /** Printable ASCII only: what percent-encoded gRPC metadata values consist of. */
  private static boolean printable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }

  static void addGuardTrailers(HttpHeaders trailers, GuardedCall call, int byBackend) {
    if (call.method().destination() == GuardedMethod.Destination.AUDIT_SERVICE) {
      trailers.set(
          GuardedCall.WITHHELD_TRAILER, Integer.toString(call.withheldCount() + byBackend));
      String reasons = call.withheldReasons(byBackend);
      if (!reasons.isEmpty()) {
        trailers.set(GuardedCall.WITHHELD_REASONS_TRAILER, reasons);
      }
    } else {
      trailers.remove(GuardedCall.WITHHELD_TRAILER);
      trailers.remove(GuardedCall.WITHHELD_REASONS_TRAILER);
      if (call.withheldCount() > 0 && trailers.getFirst(GuardedCall.NEXT_CURSOR_TRAILER) != null) {
        String cursor = lastReleasedCursor(call);
        if (cursor == null) {
          trailers.remove(GuardedCall.NEXT_CURSOR_TRAILER);
        } else {
          trailers.set(GuardedCall.NEXT_CURSOR_TRAILER, cursor);
        }
      }
    }
    if (!call.method().serverStreaming() && call.transferId() != null) {
      trailers.set(GuardedCall.TRANSFER_ID_TRAILER, call.transferId());
    }
  }

  /** The cursor of the last search result released on the call; null when there is none. */
  private static String lastReleasedCursor(GuardedCall call) {
    byte[] last = call.lastReleased();
    if (last == null) {
      return null;
    }
    try {
      String cursor = SearchResponse.parseFrom(last).getCursor();
      return cursor.isEmpty() ? null : cursor;
    } catch (InvalidProtocolBufferException e) {
      // the guard released it, so it parsed; if not, say there is no next page rather than leak
      return null;
    }
  }
}
