package org.alliedexchange.serviceruntime;

import com.google.protobuf.MessageOrBuilder;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import org.alliedexchange.api.CanonicalMessages;

/**
 * Refuses, with INVALID_ARGUMENT naming its path, any request message holding a field its schema
 * does not know, at any depth. A service reads, signs and stores only what it interprets; protobuf
 * would otherwise carry such fields along as opaque bytes into labels, content and records.
 */
public final class CanonicalRequests implements ServerInterceptor {

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        Optional<String> unknown =
            message instanceof MessageOrBuilder request
                ? CanonicalMessages.firstUnknownField(request)
                : Optional.empty();
        if (unknown.isPresent()) {
          refused = true;
          call.close(
              Status.INVALID_ARGUMENT.withDescription(
                  "the request holds a field this service does not know, at "
                      + unknown.get()
                      + "; nothing was done"),
              new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }

      @Override
      public void onReady() {
        if (!refused) {
          super.onReady();
        }
      }
    };
  }
}
