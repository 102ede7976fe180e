package org.alliedexchange.exchange.audit;

import com.google.protobuf.Timestamp;
import io.opentelemetry.api.trace.Span;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.BindingViolation;
import org.alliedexchange.api.audit.v1.ReleasabilityAmended;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The exchange service's audit events: releasability amendments and binding violations. */
public final class ExchangeAudit {

  private static final Logger LOG = LoggerFactory.getLogger(ExchangeAudit.class);
  private final AuditStreamWriter writer;
  private final String source;

  public ExchangeAudit(AuditStreamWriter writer, String nation) {
    this.writer = writer;
    this.source = "exchange-service/" + nation;
  }

  /** Records an amendment; throws when the stream does not take it, and then the amendment must not happen. */
  public void amended(String productId, String originator, String amendedBy, List<String> previous, List<String> releasableTo,
      String justification) {
    writer.append(event().setReleasabilityAmended(ReleasabilityAmended.newBuilder()
        .setProductId(productId).setOriginator(originator).setAmendedBy(amendedBy)
        .addAllPreviousReleasableTo(previous).addAllReleasableTo(releasableTo).setJustification(justification)).build());
  }

  /** Records that a product failed its binding check and was not served. Logged loudly when it cannot be written. */
  public void bindingViolation(String productId, String nation, String detail, String requestedBy) {
    try {
      writer.append(event().setBindingViolation(BindingViolation.newBuilder()
          .setProductId(productId).setNation(nation).setDetail(detail).setRequestedBy(requestedBy)).build());
    } catch (RuntimeException e) {
      LOG.error("BINDING VIOLATION on product {} ({}) could not be audited: {}", productId, detail, e.getMessage());
    }
  }

  private AuditEvent.Builder event() {
    Instant now = Instant.now();
    String traceId = Span.current().getSpanContext().isValid() ? Span.current().getSpanContext().getTraceId() : "";
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setSource(source)
        .setTraceId(traceId);
  }
}
