package org.alliedexchange.serviceruntime;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.api.AlliedMetadata;

/**
 * /** Authenticates every call of a service's API with the caller's Keycloak token, independently
 * of the gateway: no header the gateway might set is trusted. Health and reflection stay open.
 */
public final class AuthenticationInterceptor implements ServerInterceptor {

  private static final Context.Key<Caller> CALLER = Context.key("allied-caller");
  static final Metadata.Key<String> AUTHORIZATION = AlliedMetadata.AUTHORIZATION;
  private final TokenValidator validator;

  public AuthenticationInterceptor(TokenValidator validator) {
    this.validator = validator;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (service != null
        && (service.startsWith("grpc.health.") || service.startsWith("grpc.reflection."))) {
      return next.startCall(call, headers);
    }
    Caller caller;
    try {
      caller = validator.validateHeader(headers.get(AUTHORIZATION));
    } catch (TokenValidator.InvalidTokenException e) {
      return refuse(call, e.getMessage());
    } catch (TokenValidator.KeysUnavailableException e) {
      // fails closed, but tells the caller to retry rather than distrust its credentials
      call.close(
          Status.UNAVAILABLE.withDescription(
              "the service cannot check tokens now: "
                  + e.getMessage()
                  + "; retry later, the token itself was not refused"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
  }

  /** The caller of the current gRPC call. */
  public static Caller caller() {
    Caller caller = CALLER.get();
    if (caller == null) {
      throw new IllegalStateException(
          "no authenticated caller: the authentication interceptor is not installed");
    }
    return caller;
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
    call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
