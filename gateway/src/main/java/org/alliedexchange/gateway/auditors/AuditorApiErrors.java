package org.alliedexchange.gateway.auditors;

import io.grpc.Status;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The auditors' API's errors: JSON {@code {"error": "<gRPC code>", "message": ...}} with the HTTP
 * status that matches the gRPC one.
 */
final class AuditorApiErrors {

  private AuditorApiErrors() {}

  static Mono<ServerResponse> error(Throwable e) {
    if (e instanceof RecordFilters.BadParameter bad) {
      return error(HttpStatus.BAD_REQUEST, "INVALID_ARGUMENT", bad.getMessage());
    }
    if (e instanceof AuditorTokens.NoToken none) {
      return error(HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED", none.getMessage());
    }
    Status status = Status.fromThrowable(e);
    HttpStatus http =
        switch (status.getCode()) {
          case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> HttpStatus.BAD_REQUEST;
          case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
          case PERMISSION_DENIED -> HttpStatus.FORBIDDEN;
          case NOT_FOUND -> HttpStatus.NOT_FOUND;
          case RESOURCE_EXHAUSTED -> HttpStatus.TOO_MANY_REQUESTS;
          case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
          case DEADLINE_EXCEEDED -> HttpStatus.GATEWAY_TIMEOUT;
          case UNIMPLEMENTED -> HttpStatus.NOT_IMPLEMENTED;
          default -> HttpStatus.BAD_GATEWAY;
        };
    String message =
        status.getDescription() != null
            ? status.getDescription()
            : "the audit service answered " + status.getCode();
    return error(http, status.getCode().name(), message);
  }

  private static Mono<ServerResponse> error(HttpStatus http, String code, String message) {
    return ServerResponse.status(http)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"error\":"
                + AuditorJson.quote(code)
                + ",\"message\":"
                + AuditorJson.quote(message)
                + "}");
  }
}
