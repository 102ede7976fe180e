package org.alliedexchange.gateway.ratelimit;

import io.grpc.Status;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.gateway.GrpcResponses;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import reactor.core.publisher.Flux;

/**
 * What one national system may hold open at this gateway replica at once: streams (server-streaming
 * calls) and request bytes received but not yet read through. Counted in memory per replica, so the
 * federation-wide bound is the limit times the replicas: a stream's slot lives as long as the
 * stream (minutes), and a shared count would need leases renewed while it lasts and left behind by
 * a replica that dies.
 */
public final class CallLimits {

  public static final String OPEN_STREAMS_KEY = "allied.gateway.limits.max-open-streams-per-system";
  public static final String BUFFERED_BYTES_KEY =
      "allied.gateway.limits.max-buffered-request-bytes-per-system";

  private final int maxOpenStreams;
  private final long maxBufferedBytes;
  private final ConcurrentHashMap<String, AtomicInteger> openStreams = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicLong> buffered = new ConcurrentHashMap<>();

  public CallLimits(int maxOpenStreams, long maxBufferedBytes) {
    this.maxOpenStreams = maxOpenStreams;
    this.maxBufferedBytes = maxBufferedBytes;
  }

  /** One open stream's slot; closing it frees the slot, once, whichever way the call ended. */
  public static final class StreamSlot implements AutoCloseable {
    private final AtomicInteger count;
    private final AtomicBoolean closed = new AtomicBoolean();

    private StreamSlot(AtomicInteger count) {
      this.count = count;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        count.decrementAndGet();
      }
    }
  }

  /**
   * Takes a slot for a stream of {@code system}'s.
   *
   * @throws GrpcResponses.Refused RESOURCE_EXHAUSTED when the system holds its limit already
   */
  public StreamSlot openStream(String system) {
    AtomicInteger count = openStreams.computeIfAbsent(system, s -> new AtomicInteger());
    int open = count.incrementAndGet();
    if (open > maxOpenStreams) {
      count.decrementAndGet();
      throw new GrpcResponses.Refused(
          Status.Code.RESOURCE_EXHAUSTED,
          system
              + " has "
              + (open - 1)
              + " open streams, the limit ("
              + OPEN_STREAMS_KEY
              + "); end one before opening another");
    }
    return new StreamSlot(count);
  }

  /** How many streams {@code system} holds open at this replica. */
  public int openStreams(String system) {
    AtomicInteger count = openStreams.get(system);
    return count == null ? 0 : count.get();
  }

  /** How many request bytes of {@code system}'s this replica holds unread. */
  public long bufferedBytes(String system) {
    AtomicLong count = buffered.get(system);
    return count == null ? 0 : count.get();
  }

  /**
   * A request body whose bytes count against {@code system}'s buffered bytes from their arrival
   * until the body has been read to its end (or abandoned); a buffer beyond the limit ends the body
   * with {@link GrpcResponses.Refused} RESOURCE_EXHAUSTED.
   */
  public Flux<DataBuffer> countBuffered(String system, Flux<DataBuffer> body) {
    AtomicLong count = buffered.computeIfAbsent(system, s -> new AtomicLong());
    return Flux.defer(
        () -> {
          AtomicLong held = new AtomicLong();
          return body.<DataBuffer>handle(
                  (buffer, sink) -> {
                    int bytes = buffer.readableByteCount();
                    held.addAndGet(bytes);
                    long total = count.addAndGet(bytes);
                    if (total > maxBufferedBytes) {
                      DataBufferUtils.release(buffer);
                      sink.error(
                          new GrpcResponses.Refused(
                              Status.Code.RESOURCE_EXHAUSTED,
                              system
                                  + " has "
                                  + total
                                  + " bytes of requests buffered at the gateway, over the limit of "
                                  + maxBufferedBytes
                                  + " ("
                                  + BUFFERED_BYTES_KEY
                                  + "); send fewer requests at once"));
                      return;
                    }
                    sink.next(buffer);
                  })
              .doFinally(signal -> count.addAndGet(-held.getAndSet(0)));
        });
  }
}
