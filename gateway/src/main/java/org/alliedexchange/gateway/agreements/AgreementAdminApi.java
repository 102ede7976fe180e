package org.alliedexchange.gateway.agreements;

import java.util.LinkedHashMap;
import java.util.Map;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.auditstream.UnstorableAuditEvent;
import org.alliedexchange.federationstate.AgreementBoard;
import org.alliedexchange.gateway.access.CallAccessFilter;
import org.alliedexchange.gateway.access.IdentityRevocations;
import org.alliedexchange.policy.Level;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The federation administrators' API for agreements, JSON over HTTP on the gateway's port:
 *
 * <ul>
 *   <li>{@code GET /admin/v1/agreements}: every agreement and its status now;
 *   <li>{@code POST /admin/v1/agreements/{id}/suspend} and {@code .../resume}, body {@code
 *       {"reason": "..."}}.
 * </ul>
 *
 * Every request needs a realm token with the {@value #ROLE} or the {@value #AGREEMENT_ROLE} role
 * (the automation account's, which holds no identity administration). A suspension or resumption is
 * made only by a caller of a nation party to the agreement (403 otherwise), whichever role it
 * holds. Errors are JSON {@code {"error": ..., "message": ...}} with 400, 401, 403, 404, 409 or
 * 503. The list names, per agreement, a stored status the board could not use ({@code
 * "unusableOverride"}), the alarm beside the ERROR log.
 */
public final class AgreementAdminApi {

  public static final String ROLE = "federation-admin";
  public static final String AGREEMENT_ROLE = "agreement-admin";
  public static final String PATH = "/admin/v1/agreements";

  private final AgreementBoard board;
  private final TokenValidator tokens;
  private final IdentityRevocations revocations;

  public AgreementAdminApi(
      AgreementBoard board, TokenValidator tokens, IdentityRevocations revocations) {
    this.board = board;
    this.tokens = tokens;
    this.revocations = revocations;
  }

  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route()
        .GET(PATH, this::list)
        .POST(PATH + "/{id}/suspend", request -> change(request, board::suspend))
        .POST(PATH + "/{id}/resume", request -> change(request, board::resume))
        .build();
  }

  private Mono<ServerResponse> list(ServerRequest request) {
    return admin(request)
        .flatMap(
            admin ->
                ok(
                    Map.of(
                        "agreements",
                        board.agreements().stream()
                            .map(
                                view -> {
                                  Map<String, Object> out = json(view);
                                  String unusable =
                                      board.unusableOverrides().get(view.agreement().id());
                                  if (unusable != null) {
                                    out.put("unusableOverride", unusable);
                                  }
                                  return out;
                                })
                            .toList())))
        .onErrorResume(Refusal.class, AgreementAdminApi::error);
  }

  /** A suspension or a resumption on the board. */
  private interface Transition {
    AgreementBoard.View apply(String agreementId, String changedBy, String reason);
  }

  private Mono<ServerResponse> change(ServerRequest request, Transition transition) {
    String id = request.pathVariable("id");
    return admin(request)
        .flatMap(
            admin ->
                request
                    .bodyToMono(Map.class)
                    .defaultIfEmpty(Map.of())
                    .onErrorMap(
                        e ->
                            new Refusal(
                                HttpStatus.BAD_REQUEST,
                                "invalid_request",
                                "the body must be JSON like {\"reason\": \"...\"}"))
                    .flatMap(
                        body -> {
                          Object reason = body.get("reason");
                          if (!(reason instanceof String text) || text.isBlank()) {
                            return Mono.error(
                                new Refusal(
                                    HttpStatus.BAD_REQUEST,
                                    "invalid_request",
                                    "say why: {\"reason\": \"...\"} is required"));
                          }
                          return Mono.fromCallable(
                                  () -> {
                                    requireParty(admin, id);
                                    return transition.apply(id, admin.system(), text);
                                  })
                              .subscribeOn(Schedulers.boundedElastic());
                        }))
        .flatMap(view -> ok(json(view)))
        .onErrorResume(
            AgreementBoard.ChangeRefused.class,
            e ->
                error(
                    e.unknown()
                        ? new Refusal(HttpStatus.NOT_FOUND, "not_found", e.getMessage())
                        : e.invalid()
                            ? new Refusal(HttpStatus.BAD_REQUEST, "invalid_request", e.getMessage())
                            : new Refusal(HttpStatus.CONFLICT, "conflict", e.getMessage())))
        .onErrorResume(Refusal.class, AgreementAdminApi::error)
        .onErrorResume(
            UnstorableAuditEvent.class,
            // e.g. a reason holding NUL: the record could not hold it, so nothing changed
            e ->
                error(
                    new Refusal(
                        HttpStatus.BAD_REQUEST,
                        "invalid_request",
                        "the change cannot be recorded as asked (nothing changed): "
                            + e.getMessage())))
        .onErrorResume(
            RuntimeException.class,
            e ->
                error(
                    new Refusal(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "unavailable",
                        "the change could not be recorded (nothing changed): " + e.getMessage())));
  }

  private Mono<Caller> admin(ServerRequest request) {
    String authorization = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
    return Mono.fromCallable(() -> admitted(authorization))
        .subscribeOn(Schedulers.boundedElastic())
        .onErrorMap(
            TokenValidator.InvalidTokenException.class,
            e -> new Refusal(HttpStatus.UNAUTHORIZED, "invalid_token", e.getMessage()))
        .onErrorMap(
            TokenValidator.KeysUnavailableException.class,
            e ->
                new Refusal(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "unavailable",
                    CallAccessFilter.keysUnavailable(e)))
        .flatMap(
            caller ->
                caller.hasRole(ROLE) || caller.hasRole(AGREEMENT_ROLE)
                    ? Mono.just(caller)
                    : Mono.error(
                        new Refusal(
                            HttpStatus.FORBIDDEN,
                            "forbidden",
                            caller.system()
                                + " lacks the role "
                                + ROLE
                                + " or "
                                + AGREEMENT_ROLE)));
  }

  /** Only a nation party to an agreement suspends or resumes it; an unknown one is left to 404. */
  private void requireParty(Caller admin, String agreementId) {
    var agreement = board.engine().federation().agreement(agreementId);
    if (agreement != null && !agreement.parties().contains(admin.nation())) {
      throw new Refusal(
          HttpStatus.FORBIDDEN,
          "forbidden",
          admin.system()
              + " is of "
              + admin.nation()
              + ", which is not party to "
              + agreementId
              + " "
              + agreement.parties()
              + "; only an administrator of a party nation suspends or resumes it");
    }
  }

  /**
   * The caller of a valid token that no later identity change revoked; an administrator disabled or
   * stripped of the role in Keycloak is refused here as on every gRPC call.
   */
  private Caller admitted(String authorization) {
    String unfollowed = revocations.problem();
    if (unfollowed != null) {
      throw new Refusal(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", unfollowed);
    }
    TokenValidator.Validated token = tokens.validatedHeader(authorization);
    String revoked = revocations.revoked(token.caller().system(), token.issuedAt());
    if (revoked != null) {
      throw new TokenValidator.InvalidTokenException(revoked);
    }
    return token.caller();
  }

  private static Map<String, Object> json(AgreementBoard.View view) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", view.agreement().id());
    out.put("name", view.agreement().name());
    out.put("parties", view.agreement().parties());
    out.put("levels", view.agreement().levels().stream().map(Level::name).sorted().toList());
    out.put("status", view.status() == null ? "NOT_YET_IN_EFFECT" : view.status().name());
    out.put("since", view.since() == null ? null : view.since().toString());
    if (view.changedBy() != null) {
      out.put("changedBy", view.changedBy());
      out.put("reason", view.reason());
    }
    return out;
  }

  private static Mono<ServerResponse> ok(Object body) {
    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
  }

  private static Mono<ServerResponse> error(Refusal refusal) {
    return ServerResponse.status(refusal.status)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(Map.of("error", refusal.error, "message", refusal.getMessage()));
  }

  private static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final HttpStatus status;
    final String error;

    Refusal(HttpStatus status, String error, String message) {
      super(message, null, false, false);
      this.status = status;
      this.error = error;
    }
  }
}
