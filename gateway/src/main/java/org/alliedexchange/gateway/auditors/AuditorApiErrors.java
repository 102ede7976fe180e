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
public final class AuditorApiErrors {

  private AuditorApiErrors() {}

  static Mono<ServerResponse> error(Throwable e) {
    return error(e, "the audit service");
  }

  /**
   * A failed call's answer; {@code backend} names who answered a status without a description, e.g.
   * "the hotline node".
   */
  public static Mono<ServerResponse> error(Throwable e, String backend) {
    if (e instanceof RecordFilters.BadParameter bad) {
      return error(HttpStatus.BAD_REQUEST, "INVALID_ARGUMENT", bad.getMessage());
    }
    if (e instanceof BadRequest bad) {
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
            : backend + " answered " + status.getCode();
    return error(http, status.getCode().name(), message);
  }

  /** A request the API refuses before any call: 400 INVALID_ARGUMENT with the reason. */
  public static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  public static Mono<ServerResponse> error(HttpStatus http, String code, String message) {
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
