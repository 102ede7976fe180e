package org.alliedexchange.serviceruntime;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;

/**
 * OpenTelemetry for one service (an exchange service, a hotline node): W3C trace context taken from
 * callers, a server span for every call. Spans go to the span processor given (an exporter in
 * deployment, an in-memory one in tests).
 */
public final class Telemetry {
  private Telemetry() {}

  /**
   * A batching processor that exports over OTLP/HTTP to {@code endpoint} (a collector's base URL,
   * as {@code OTEL_EXPORTER_OTLP_ENDPOINT}: spans go to {@code <endpoint>/v1/traces}); null when
   * none is configured, so nothing is exported.
   */
  public static SpanProcessor otlp(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      return null;
    }
    String base = endpoint.strip();
    java.net.URI uri;
    try {
      uri = java.net.URI.create(base);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "otel.exporter.otlp.endpoint: not a URL: " + e.getMessage(), e);
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          "otel.exporter.otlp.endpoint: must be an http:// or https:// URL, not " + base);
    }
    String traces = (base.endsWith("/") ? base : base + "/") + "v1/traces";
    return BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(traces).build())
        .build();
  }

  /**
   * Spans of {@code service} ({@code service.name}, e.g. "exchange-service") for {@code nation} go
   * to {@code processor} and {@code exporter}, each when given.
   */
  public static OpenTelemetrySdk create(
      String service, String nation, SpanProcessor processor, SpanProcessor exporter) {
    var tracer =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.of(
                                AttributeKey.stringKey("service.name"),
                                service,
                                AttributeKey.stringKey("allied.nation"),
                                nation))));
    if (processor != null) {
      tracer.addSpanProcessor(processor);
    }
    if (exporter != null) {
      tracer.addSpanProcessor(exporter);
    }
    return OpenTelemetrySdk.builder()
        .setTracerProvider(tracer.build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }
}
