package org.alliedexchange.exchange.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Authenticates every call of the exchange API with the caller's Keycloak token, independently of the
 * gateway: no header the gateway might set is trusted. Health and reflection stay open.
 */
public final class AuthenticationInterceptor implements ServerInterceptor {

  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private final TokenValidator validator;

  public AuthenticationInterceptor(TokenValidator validator) {
    this.validator = validator;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (service != null && (service.startsWith("grpc.health.") || service.startsWith("grpc.reflection."))) {
      return next.startCall(call, headers);
    }
    String header = headers.get(AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
      return refuse(call, "no bearer token: send `authorization: Bearer <access token>` from the realm's token endpoint");
    }
    Caller caller;
    try {
      caller = validator.validate(header.substring(7).trim());
    } catch (TokenValidator.InvalidTokenException e) {
      return refuse(call, "invalid token: " + e.getMessage());
    }
    return Contexts.interceptCall(Context.current().withValue(Caller.KEY, caller), call, headers, next);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
    call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
