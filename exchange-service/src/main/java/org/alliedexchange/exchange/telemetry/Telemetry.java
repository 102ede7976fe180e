package org.alliedexchange.exchange.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;

/**
 * OpenTelemetry for one exchange service: W3C trace context taken from callers, a server span for
 * every call. Spans go to the span processor given (an exporter in deployment, an in-memory one in
 * tests).
 */
public final class Telemetry {
  private Telemetry() {}

  public static OpenTelemetrySdk create(String nation, SpanProcessor processor) {
    var tracer =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.of(
                                AttributeKey.stringKey("service.name"),
                                "exchange-service",
                                AttributeKey.stringKey("allied.nation"),
                                nation))));
    if (processor != null) {
      tracer.addSpanProcessor(processor);
    }
    return OpenTelemetrySdk.builder()
        .setTracerProvider(tracer.build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }
}
