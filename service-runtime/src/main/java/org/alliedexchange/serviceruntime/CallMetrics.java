package org.alliedexchange.serviceruntime;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts every call of a service's API by method and gRPC status ({@value #CALLS}, refusals
 * included: it runs before authentication) and gauges the server streams open ({@value
 * #OPEN_STREAMS}). Every meter is registered up front, so a call only increments.
 */
public final class CallMetrics implements ServerInterceptor {

  /** Calls ended, tagged {@code method} (full gRPC name) and {@code status} (the code's name). */
  public static final String CALLS = "allied.grpc.calls";

  /** Server-streaming calls open now. */
  public static final String OPEN_STREAMS = "allied.grpc.open.streams";

  private static final Status.Code[] CODES = Status.Code.values();

  private final Map<String, Counter[]> counters = new HashMap<>();
  private final AtomicInteger openStreams = new AtomicInteger();

  public CallMetrics(MeterRegistry registry, List<ServerServiceDefinition> services) {
    for (ServerServiceDefinition service : services) {
      for (var method : service.getServiceDescriptor().getMethods()) {
        counters.put(method.getFullMethodName(), register(registry, method.getFullMethodName()));
      }
    }
    Gauge.builder(OPEN_STREAMS, openStreams, AtomicInteger::get)
        .description("Server-streaming calls open now")
        .register(registry);
  }

  /** One counter per gRPC status code, indexed by the code's value. */
  public static Counter[] register(MeterRegistry registry, String method) {
    Counter[] byCode = new Counter[CODES.length];
    for (Status.Code code : CODES) {
      byCode[code.value()] =
          Counter.builder(CALLS)
              .description("Calls ended, by method and gRPC status")
              .tag("method", method)
              .tag("status", code.name())
              .register(registry);
    }
    return byCode;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Counter[] byCode = counters.get(call.getMethodDescriptor().getFullMethodName());
    if (byCode == null) {
      return next.startCall(call, headers);
    }
    boolean stream =
        call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
    if (stream) {
      openStreams.incrementAndGet();
    }
    CountedCall<Q, R> counted = new CountedCall<>(call, byCode, stream ? openStreams : null);
    return new SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
      @Override
      public void onCancel() {
        // the caller went away (or its deadline passed) before the service closed the call
        counted.ended(Status.Code.CANCELLED);
        super.onCancel();
      }
    };
  }

  private static final class CountedCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private final Counter[] byCode;
    private final AtomicInteger openStreams;
    private boolean ended;

    CountedCall(ServerCall<Q, R> call, Counter[] byCode, AtomicInteger openStreams) {
      super(call);
      this.byCode = byCode;
      this.openStreams = openStreams;
    }

    synchronized void ended(Status.Code code) {
      if (ended) {
        return;
      }
      ended = true;
      byCode[code.value()].increment();
      if (openStreams != null) {
        openStreams.decrementAndGet();
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      ended(status.getCode());
      super.close(status, trailers);
    }
  }
}
