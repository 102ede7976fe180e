package org.alliedexchange.serviceruntime;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets handlers refuse a call by throwing {@code
 * Status.X.withDescription(...).asRuntimeException()}: the call ends with that status and
 * description. Anything else thrown ends it as INTERNAL, logged, without leaking its message to the
 * caller.
 */
public final class StatusExceptions implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(StatusExceptions.class);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        guard(() -> super.onMessage(message));
      }

      @Override
      public void onHalfClose() {
        guard(super::onHalfClose);
      }

      @Override
      public void onReady() {
        guard(super::onReady);
      }

      private void guard(Runnable step) {
        try {
          step.run();
        } catch (StatusRuntimeException e) {
          close(e.getStatus(), e.getTrailers());
        } catch (RuntimeException e) {
          LOG.error("{} failed", call.getMethodDescriptor().getFullMethodName(), e);
          close(
              Status.INTERNAL.withDescription("the service failed on this call; it is logged"),
              null);
        }
      }

      private void close(Status status, Metadata trailers) {
        try {
          call.close(status, trailers == null ? new Metadata() : trailers);
        } catch (IllegalStateException alreadyClosed) {
          // the handler had already ended the call
        }
      }
    };
  }
}
