package org.alliedexchange.gateway.guard;

import io.grpc.Status;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.alliedexchange.auditstream.CheckedEvent;
import org.alliedexchange.auditstream.UnstorableAuditEvent;
import org.alliedexchange.gateway.access.GuardedMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Guards one call's response body: reassembles its messages, decides each with {@link
 * MessageGuard}, and lets a stretch of released messages out only once the audit stream has taken
 * the records of every decision in it. Decisions for the next buffers go on while Redis writes, so
 * auditing costs a round trip per batch, not per message.
 *
 * <p>When the audit stream cannot take a record, or a message cannot be read, nothing more leaves
 * on this call: the body ends where it is and the call ends with the status recorded in {@link
 * GuardedCall} ({@link GuardedCall#endCode()}), which the filter turns into trailers.
 */
public final class ResponseGuard {

  /** Signals, after the body has ended early, that the call must end with the guard's status. */
  public static final class GuardAbort extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GuardAbort() {
      super(null, null, false, false);
    }
  }

  /**
   * Takes the checked records of a stretch's decisions; the future completes once the audit stream
   * holds them ({@code AuditBatchWriter::appendChecked}), and fails with {@link
   * UnstorableAuditEvent} when one of them would not be stored.
   */
  @FunctionalInterface
  public interface AuditAppender {
    CompletableFuture<Void> appendChecked(List<CheckedEvent> records);
  }

  private record Stretch(byte[] released, CompletableFuture<Void> audited) {}

  private static final Logger LOG = LoggerFactory.getLogger(ResponseGuard.class);
  private static final int ABORTED = -1;
  // how often a stream's held summaries are looked at, so a quiet stream's are written too
  private static final Duration SUMMARY_TICK = Duration.ofSeconds(1);
  private final MessageGuard guard;
  private final AuditAppender audit;
  private final Supplier<String> agreementStatusProblem;
  private final int maxMessageBytes;

  /**
   * @param agreementStatusProblem why agreement statuses cannot be trusted now (not refreshed for
   *     too long), or null
   */
  public ResponseGuard(
      MessageGuard guard,
      AuditAppender audit,
      Supplier<String> agreementStatusProblem,
      int maxMessageBytes) {
    this.guard = guard;
    this.audit = audit;
    this.agreementStatusProblem = agreementStatusProblem;
    this.maxMessageBytes = maxMessageBytes;
  }

  public Flux<DataBuffer> guard(
      GuardedCall call, Flux<DataBuffer> body, DataBufferFactory buffers) {
    GrpcFrameReader reader = new GrpcFrameReader(maxMessageBytes);
    MessageGuard.CallInfo info =
        new MessageGuard.CallInfo(
            call.caller(),
            call.method().displayName(),
            call.nation(),
            call.traceId(),
            call.method().responseFields());
    // a streaming call's withheld rows are recorded as summaries, not one record each
    WithheldSummaries summaries = call.method().serverStreaming() ? new WithheldSummaries() : null;
    AtomicReference<Disposable> timer = new AtomicReference<>();
    Flux<List<byte[]>> messages =
        body.map(
            buffer -> {
              try {
                return split(call, reader, buffer);
              } finally {
                DataBufferUtils.release(buffer);
              }
            });
    return messages
        .map(batch -> decide(call, info, batch, summaries))
        // an error in a later stretch waits for the stretch before it, which was decided and
        // audited in full
        .concatMapDelayError(
            stretch -> {
              if (stretch.audited() == null) {
                return stretch.released() == null
                    ? Mono.<DataBuffer>empty()
                    : Mono.just(buffers.wrap(stretch.released()));
              }
              return Mono.fromFuture(stretch.audited())
                  .then(
                      Mono.fromSupplier(
                          () ->
                              stretch.released() == null ? null : buffers.wrap(stretch.released())))
                  .onErrorMap(
                      failure -> {
                        if (root(failure) instanceof UnstorableAuditEvent unstorable) {
                          // the exchange service sent what the audit log cannot hold: never
                          // released unaudited, and no use trying again
                          call.endWith(
                              Status.Code.INTERNAL,
                              "the record of this transfer could not be audited, so nothing more"
                                  + " is released on this call: "
                                  + unstorable.getMessage());
                        } else {
                          call.endWith(
                              Status.Code.UNAVAILABLE,
                              "the audit stream did not take the record of this transfer, so"
                                  + " nothing more is released on this call: "
                                  + rootMessage(failure));
                        }
                        return new GuardAbort();
                      });
            },
            false,
            32)
        .concatWith(
            Mono.defer(
                () -> {
                  if (!reader.atBoundary()) {
                    call.endWith(
                        Status.Code.INTERNAL,
                        "the exchange service's response ended inside a message");
                  }
                  return Mono.<DataBuffer>empty();
                }))
        .concatWith(writeSummaries(call, summaries))
        // a long-lived stream's withheld rows are summarized after a while even when it goes quiet
        .doOnSubscribe(subscription -> timer.set(startSummaryTimer(call, summaries)))
        .doFinally(signal -> stopSummaryTimer(timer))
        // the body ends here; the caller sees the status the call records, in the trailers
        .onErrorResume(GuardAbort.class, abort -> writeSummaries(call, summaries))
        // a caller that goes away still leaves the record of what was withheld from it
        .doOnCancel(() -> writeSummariesLeft(call, summaries));
  }

  /**
   * The summaries of the rows still held, written before the call's trailers; one the audit stream
   * does not take ends the call INTERNAL, as any decision that cannot be audited does.
   */
  private Mono<DataBuffer> writeSummaries(GuardedCall call, WithheldSummaries summaries) {
    if (summaries == null) {
      return Mono.empty();
    }
    return Mono.defer(
        () -> {
          WithheldSummaries.Written written;
          CompletableFuture<Void> audited;
          try {
            written = summaries.all(Instant.now());
            if (written.records().isEmpty()) {
              return Mono.<DataBuffer>empty();
            }
            audited = audit.appendChecked(written.records());
          } catch (RuntimeException e) {
            audited = CompletableFuture.failedFuture(e);
            written = new WithheldSummaries.Written(List.of(), summaries.pendingRows());
          }
          long rows = written.rows();
          return Mono.fromFuture(audited)
              .then(Mono.<DataBuffer>empty())
              .onErrorResume(
                  failure -> {
                    call.endWith(
                        Status.Code.INTERNAL,
                        "the summary of "
                            + rows
                            + " rows withheld on this call could not be audited: "
                            + rootMessage(failure));
                    return Mono.empty();
                  });
        });
  }

  private Disposable startSummaryTimer(GuardedCall call, WithheldSummaries summaries) {
    if (summaries == null) {
      return null;
    }
    return Schedulers.parallel()
        .schedulePeriodically(
            () -> writeDueSummaries(call, summaries),
            SUMMARY_TICK.toMillis(),
            SUMMARY_TICK.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  private static void stopSummaryTimer(AtomicReference<Disposable> timer) {
    Disposable running = timer.getAndSet(null);
    if (running != null) {
      running.dispose();
    }
  }

  /**
   * The summaries that have waited long enough on a quiet stream; one the audit stream does not
   * take ends the call INTERNAL at its next message (nothing withheld was released meanwhile).
   */
  private void writeDueSummaries(GuardedCall call, WithheldSummaries summaries) {
    try {
      WithheldSummaries.Written due = summaries.due(Instant.now());
      if (due.records().isEmpty()) {
        return;
      }
      audit
          .appendChecked(due.records())
          .whenComplete(
              (done, failure) -> {
                if (failure != null) {
                  call.endWith(
                      Status.Code.INTERNAL,
                      "the summary of "
                          + due.rows()
                          + " rows withheld on this call could not be audited: "
                          + rootMessage(failure));
                }
              });
    } catch (RuntimeException e) {
      call.endWith(
          Status.Code.INTERNAL,
          "the summary of rows withheld on this call could not be made: " + rootMessage(e));
    }
  }

  /** As {@link #writeSummaries}, for a call nobody waits on any more. */
  private void writeSummariesLeft(GuardedCall call, WithheldSummaries summaries) {
    if (summaries == null) {
      return;
    }
    try {
      WithheldSummaries.Written written = summaries.all(Instant.now());
      if (!written.records().isEmpty()) {
        audit
            .appendChecked(written.records())
            .whenComplete(
                (done, failure) -> {
                  if (failure != null) {
                    LOG.error(
                        "the summary of {} rows withheld on cancelled call {} could not be"
                            + " audited: {}",
                        written.rows(),
                        call.traceId(),
                        rootMessage(failure));
                  }
                });
      }
    } catch (RuntimeException e) {
      LOG.error(
          "the summary of rows withheld on cancelled call {} could not be made: {}",
          call.traceId(),
          rootMessage(e));
    }
  }

  /** The whole messages a buffer completes; a frame the guard will not read ends the call. */
  private static List<byte[]> split(GuardedCall call, GrpcFrameReader reader, DataBuffer buffer) {
    if (call.endCode() != null && call.endCode() != Status.Code.PERMISSION_DENIED) {
      // an earlier stretch failed: read nothing more
      throw new GuardAbort();
    }
    List<byte[]> messages = new ArrayList<>();
    try {
      reader.feed(buffer, messages::add);
    } catch (GrpcFrameReader.FrameException e) {
      call.endWith(
          Status.Code.INTERNAL,
          "the guard refused the exchange service's response: " + e.getMessage());
      throw new GuardAbort();
    }
    return messages;
  }

  /**
   * @param summaries where a streaming call's withheld rows go instead of a record each; null on a
   *     unary call, whose one refusal keeps its own record (its transfer id is quoted to the
   *     caller)
   */
  private Stretch decide(
      GuardedCall call,
      MessageGuard.CallInfo info,
      List<byte[]> messages,
      WithheldSummaries summaries) {
    if (call.endCode() != null && call.endCode() != Status.Code.PERMISSION_DENIED) {
      throw new GuardAbort();
    }
    List<MessageGuard.Verdict> verdicts = new ArrayList<>(messages.size());
    Instant now = Instant.now();
    for (byte[] message : messages) {
      verdicts.add(guard.decide(message, call.method().bound(), info, now));
    }
    if (verdicts.isEmpty()) {
      return new Stretch(null, null);
    }
    String stale = agreementStatusProblem.get();
    if (stale != null) {
      call.endWith(Status.Code.UNAVAILABLE, stale);
      throw new GuardAbort();
    }
    List<CheckedEvent> records = new ArrayList<>(verdicts.size());
    // the released messages leave as one buffer, framed (a zero flag, a 4-byte length, the bytes)
    // and sized before it is filled: no growing and copying it per message
    int releasedBytes = 0;
    for (MessageGuard.Verdict verdict : verdicts) {
      if (verdict.permitted()) {
        releasedBytes += 5 + verdict.released().length;
      }
    }
    ByteBuffer released = releasedBytes == 0 ? null : ByteBuffer.allocate(releasedBytes);
    boolean auditorsCall = call.method().destination() == GuardedMethod.Destination.AUDIT_SERVICE;
    for (int i = 0; i < verdicts.size(); i++) {
      MessageGuard.Verdict verdict = verdicts.get(i);
      // an auditor's read of a record of an auditor's read is not recorded again (ReadRecords)
      if (summaries != null && !verdict.permitted()) {
        summaries.add(verdict, now);
      } else if (!(auditorsCall
          && verdict.permitted()
          && ReadRecords.isReadRecord(messages.get(i)))) {
        records.add(verdict.record());
      }
      if (verdict.permitted()) {
        byte[] bytes = verdict.released();
        released.put((byte) 0).putInt(bytes.length).put(bytes);
        call.released(verdict.transferId(), bytes);
      } else {
        call.withheld(verdict.reasons(), verdict.bindingInvalid(), verdict.transferId());
        if (!call.method().serverStreaming()) {
          call.endWith(Status.Code.PERMISSION_DENIED, describeWithholding(verdict));
        }
      }
    }
    if (summaries != null) {
      // full or long-waiting groups ride with this stretch's records: no write of their own
      records.addAll(summaries.due(now).records());
    }
    return new Stretch(
        released == null ? null : released.array(),
        records.isEmpty() ? null : audit.appendChecked(records));
  }

  /**
   * What the caller is told of a message withheld from it: that it was, and the transfer to quote.
   * Why (reasons, level, controls) is in the audit record only.
   */
  private static String describeWithholding(MessageGuard.Verdict verdict) {
    String what = verdict.productId().isEmpty() ? "the message" : "product " + verdict.productId();
    return what + " is not released to you; quote transfer " + verdict.transferId() + " to ask why";
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = root(failure);
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  private static Throwable root(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }
}
