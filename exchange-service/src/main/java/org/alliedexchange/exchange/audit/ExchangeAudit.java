package org.alliedexchange.exchange.audit;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.BindingViolation;
import org.alliedexchange.api.audit.v1.ProductServed;
import org.alliedexchange.api.audit.v1.ReleasabilityAmended;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.auditstream.CheckedEvent;
import org.alliedexchange.auditstream.EventIds;
import org.alliedexchange.label.TransferRecordBuilder;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.policy.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exchange service's audit events: releasability amendments, binding violations, and every
 * product its own check (the second filter, behind the gateway's) withholds from a caller or serves
 * towards one. A served product is recorded as {@code ProductServed}, not as a transfer: the
 * gateway records the transfer under the same trace id, and the reports count that once.
 */
public final class ExchangeAudit implements ReadAudit {

  private static final Logger LOG = LoggerFactory.getLogger(ExchangeAudit.class);
  private final AuditStreamWriter writer;
  private final AuditBatchWriter reads;
  private final String nation;
  private final String source;

  /**
   * @param reads where withheld and served products are recorded, pipelined and batched: a search
   *     may read thousands
   */
  public ExchangeAudit(AuditStreamWriter writer, AuditBatchWriter reads, String nation) {
    this.writer = writer;
    this.reads = reads;
    this.nation = nation;
    this.source = "exchange-service/" + nation;
  }

  /**
   * Records that this service withheld a product from a caller, and returns the record's transfer
   * id. Nothing was released, so the caller is not kept waiting for Redis; a record that cannot be
   * written is logged loudly.
   */
  @Override
  public String withheld(
      SecurityLabel label,
      String productId,
      String topic,
      Caller caller,
      String method,
      Set<Reason> reasons) {
    Instant now = Instant.now();
    String transferId = EventIds.next(now);
    TransferRecord record =
        new TransferRecordBuilder(transferId, method, nation)
            .recipient(caller.nation(), caller.system(), caller.clearance())
            .product(productId, topic)
            .label(label)
            .withheld(reasons, false)
            .build();
    AuditEvent event = event(now).setEventId(transferId).setTransfer(record).build();
    reads
        .append(List.of(event))
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                LOG.error(
                    "the refusal of product {} to {} could not be audited: {}",
                    productId,
                    caller.system(),
                    failure.getMessage());
              }
            });
    return transferId;
  }

  @Override
  public CompletableFuture<Void> withheldSummaries(List<TransferRecord> summaries) {
    List<AuditEvent> events = new ArrayList<>(summaries.size());
    for (TransferRecord summary : summaries) {
      events.add(event().setEventId(summary.getTransferId()).setTransfer(summary).build());
    }
    return reads.append(events);
  }

  /**
   * Records that this service passed a product on towards a caller. Queued with the other reads'
   * records and not waited for: the gateway releases nothing before its own record is taken, and a
   * record that cannot be written is logged loudly. Written from its parts, the label as stored.
   */
  @Override
  public void served(
      SecurityLabel label,
      byte[] labelBytes,
      String productId,
      String topic,
      Caller caller,
      String method) {
    CheckedEvent event =
        CheckedEvent.served(
            event().build(),
            ProductServed.newBuilder()
                .setProductId(productId)
                .setTopic(topic)
                .setRecipientNation(caller.nation())
                .setRecipientSystem(caller.system())
                .setRecipientClearance(WireMapping.level(caller.clearance()))
                .setMethod(method)
                .setSourceNation(nation)
                .build(),
            label,
            labelBytes);
    reads
        .appendChecked(List.of(event))
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                LOG.error(
                    "serving product {} to {} could not be audited: {}",
                    productId,
                    caller.system(),
                    failure.getMessage());
              }
            });
  }

  /**
   * Records an amendment; throws when the stream does not take it, and then the amendment must not
   * happen.
   */
  public void amended(
      String productId,
      String originator,
      String amendedBy,
      List<String> previous,
      List<String> releasableTo,
      String justification) {
    writer.append(
        event()
            .setReleasabilityAmended(
                ReleasabilityAmended.newBuilder()
                    .setProductId(productId)
                    .setOriginator(originator)
                    .setAmendedBy(amendedBy)
                    .addAllPreviousReleasableTo(previous)
                    .addAllReleasableTo(releasableTo)
                    .setJustification(justification))
            .build());
  }

  /**
   * Records that a product failed its binding check and was not served. Logged loudly when it
   * cannot be written.
   */
  @Override
  public void bindingViolation(String productId, String nation, String detail, String requestedBy) {
    try {
      writer.append(
          event()
              .setBindingViolation(
                  BindingViolation.newBuilder()
                      .setProductId(productId)
                      .setNation(nation)
                      .setDetail(detail)
                      .setRequestedBy(requestedBy))
              .build());
    } catch (RuntimeException e) {
      LOG.error(
          "BINDING VIOLATION on product {} ({}) could not be audited: {}",
          productId,
          detail,
          e.getMessage());
    }
  }

  private AuditEvent.Builder event() {
    return event(Instant.now());
  }

  private AuditEvent.Builder event(Instant now) {
    SpanContext span = Span.current().getSpanContext();
    String traceId = span.isValid() ? span.getTraceId() : "";
    return AuditEvent.newBuilder()
        .setEventId(EventIds.next(now))
        .setOccurredAt(WireMapping.timestamp(now))
        .setSource(source)
        .setTraceId(traceId);
  }
}
