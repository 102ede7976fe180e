package org.alliedexchange.gateway.guard;

import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.gateway.GrpcResponses;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TrailerHeadersFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.netty.http.client.HttpClientResponse;

/**
 * Adds the guard's count to the trailers an exchange service ends a call with: {@value
 * GuardedCall#WITHHELD_TRAILER} (how many messages the caller did not get: withheld by the gateway
 * or by the exchange service itself), {@value GuardedCall#WITHHELD_REASONS_TRAILER} (by reason)
 * and, on a unary call, {@value GuardedCall#TRANSFER_ID_TRAILER}.
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
      addWithheld(
          trailers,
          call,
          AlliedMetadata.withheldCount(trailers.getFirst(GuardedCall.WITHHELD_TRAILER)));
    }
    return trailers;
  }

  static void addWithheld(HttpHeaders trailers, GuardedCall call, int byExchangeService) {
    trailers.set(
        GuardedCall.WITHHELD_TRAILER, Integer.toString(call.withheldCount() + byExchangeService));
    String reasons = call.withheldReasons(byExchangeService);
    if (!reasons.isEmpty()) {
      trailers.set(GuardedCall.WITHHELD_REASONS_TRAILER, reasons);
    }
    if (!call.method().serverStreaming() && call.transferId() != null) {
      trailers.set(GuardedCall.TRANSFER_ID_TRAILER, call.transferId());
    }
  }
}
