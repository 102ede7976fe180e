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

  @Override
  public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
    return input;
  }

  @Override
  public boolean supports(Type type) {
    return false;
  }

  @Override
  public HttpHeaders trailers(HttpHeaders input, ServerWebExchange exchange) {
    GuardedCall call = exchange.getAttribute(GuardedCall.ATTRIBUTE);
    if (call == null && !GrpcResponses.isGrpc(exchange)) {
      // a plain HTTP route (the auditor console's page): not a gRPC call, no status to carry
      return input;
    }
    // the gateway builds these trailers fresh from the exchange service's for each call: amend them
    // in place
    HttpHeaders trailers = input != null ? input : new HttpHeaders();
    if (trailers.getFirst(GrpcResponses.STATUS) == null) {
      // a trailers-only answer (an error before any message) carried its status in the response
      // headers; these trailers replace the ones Spring Cloud Gateway derived from them, so the
      // status must be here
      HttpClientResponse backend =
          exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR);
      String status = backend == null ? null : backend.responseHeaders().get(GrpcResponses.STATUS);
      if (status != null) {
        trailers.set(GrpcResponses.STATUS, status);
        String message = backend.responseHeaders().get(GrpcResponses.MESSAGE);
        if (message != null) {
          trailers.set(GrpcResponses.MESSAGE, message);
        }
      } else {
        trailers.set(GrpcResponses.STATUS, Integer.toString(io.grpc.Status.Code.INTERNAL.value()));
        trailers.set(
            GrpcResponses.MESSAGE, "the exchange service ended the call without a gRPC status");
      }
    }
    if (call != null) {
      addGuardTrailers(
          trailers,
          call,
          AlliedMetadata.withheldCount(trailers.getFirst(GuardedCall.WITHHELD_TRAILER)));
    }
    return trailers;
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
