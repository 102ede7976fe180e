package org.alliedexchange.gateway.guard;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TrailerHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * Adds the guard's count to the trailers an exchange service ends a call with: {@value GuardedCall#WITHHELD_TRAILER}
 * (how many messages the caller did not get: withheld by the gateway or by the exchange service itself),
 * {@value GuardedCall#WITHHELD_REASONS_TRAILER} (by reason) and, on a unary call, {@value GuardedCall#TRANSFER_ID_TRAILER}.
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
    HttpHeaders trailers = new HttpHeaders();
    if (input != null) {
      input.forEach((name, values) -> {
        if (!name.equalsIgnoreCase(GuardedCall.WITHHELD_TRAILER)) {
          trailers.addAll(name, values);
        }
      });
    }
    if (call != null) {
      int byExchange = 0;
      String fromExchange = input == null ? null : input.getFirst(GuardedCall.WITHHELD_TRAILER);
      if (fromExchange != null) {
        try {
          byExchange = Math.max(0, Integer.parseInt(fromExchange.trim()));
        } catch (NumberFormatException e) {
          byExchange = 0;
        }
      }
      addWithheld(trailers, call, byExchange);
    }
    return trailers;
  }

  static void addWithheld(HttpHeaders trailers, GuardedCall call, int byExchangeService) {
    trailers.set(GuardedCall.WITHHELD_TRAILER, Integer.toString(call.withheldCount() + byExchangeService));
    String reasons = call.withheldReasons(byExchangeService);
    if (!reasons.isEmpty()) {
      trailers.set(GuardedCall.WITHHELD_REASONS_TRAILER, reasons);
    }
    if (!call.method().serverStreaming() && call.transferId() != null) {
      trailers.set(GuardedCall.TRANSFER_ID_TRAILER, call.transferId());
    }
  }
}
