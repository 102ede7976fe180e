package org.alliedexchange.gateway.auditors;

import org.alliedexchange.api.AlliedMetadata;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Where the auditors' HTTP API finds the auditor's token: the request's bearer token (scripts, the
 * CLI), or the token of the console session's Keycloak login. The token is not judged here: the
 * gRPC call it is passed to is authenticated by the gateway's access filter like any other.
 */
public interface AuditorTokens {

  /** No token in the request and no console session: the API answers 401. */
  final class NoToken extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NoToken(String message) {
      super(message, null, false, false);
    }
  }

  Mono<String> token(ServerWebExchange exchange);

  /** The bearer token of the request, or empty. */
  static Mono<String> bearer(ServerWebExchange exchange) {
    String authorization = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
    return Mono.justOrEmpty(AlliedMetadata.bearerToken(authorization));
  }

  /** Bearer tokens only (no console configured). */
  static AuditorTokens bearerOnly() {
    return exchange ->
        bearer(exchange)
            .switchIfEmpty(
                Mono.error(
                    new NoToken("send an auditor's token as `Authorization: Bearer <token>`")));
  }
}
