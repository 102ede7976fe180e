package org.alliedexchange.auditstream;

import com.google.protobuf.CodedOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.XAddParams;

/**
 * Appends audit events to the stream in batches, for callers that must not release anything before
 * it is audited but cannot afford a Redis round trip per event. {@link #append} queues a group of
 * events and returns a future that completes once the records are durable as its {@link
 * AuditDurability} says (by default once Redis has taken them, which with the federation's Redis
 * means fsynced; replicated, once replicas acknowledged them too), or fails when they are not; a
 * caller releases what the events describe only after success.
 *
 * <p>One writer thread drains everything queued since its last round into as few stream entries as
 * {@code maxBatch} allows and sends them in one pipeline: under load, many calls' decisions share
 * one round trip and one fsync. Replicated, the same pipeline ends with {@code WAIT}, so the round
 * still costs one round trip.
 */
public final class AuditBatchWriter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AuditBatchWriter.class);
  private static final byte[] TYPE = AuditStream.TYPE_FIELD.getBytes(StandardCharsets.UTF_8);
  private static final byte[] EVENTS = AuditStream.EVENTS_FIELD.getBytes(StandardCharsets.UTF_8);
  private static final byte[] BATCH = AuditStream.BATCH_TYPE.getBytes(StandardCharsets.UTF_8);

  private record Pending(byte[] events, int count, CompletableFuture<Void> done) {}

  /**
   * The most events one entry may hold: at the largest event the audit log stores, an entry of more
   * would pass Redis's 512 MiB limit on one value and its int length, and every round holding it
   * would fail.
   */
  public static final int MAX_BATCH = (512 * 1024 * 1024) / AuditEventRules.MAX_EVENT_BYTES;

  private final RedisClient redis;
  private final byte[] key;
  private final int maxBatch;
  private final AuditDurability durability;
  private final BlockingQueue<Pending> queue;
  private final Thread writer;
  private volatile boolean closed;

  private AuditBatchWriter(
      RedisClient redis, String key, int maxBatch, int queueCapacity, AuditDurability durability) {
    this.redis = redis;
    this.key = key.getBytes(StandardCharsets.UTF_8);
    this.maxBatch = maxBatch;
    this.durability = durability;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.writer = new Thread(this::run, "audit-batch-writer");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * A writer to the Redis at {@code redisUrl} (redis://host:port); a round Redis does not answer
   * within {@code timeout} fails. At most {@code queueCapacity} groups wait; beyond that, appends
   * fail at once rather than queue without bound.
   */
  public static AuditBatchWriter connect(
      URI redisUrl, String key, Duration timeout, int maxBatch, int queueCapacity) {
    return connect(redisUrl, key, timeout, maxBatch, queueCapacity, AuditDurability.FSYNC);
  }

  /**
   * As {@link #connect(URI, String, Duration, int, int)}, the records durable as {@code durability}
   * says. Replicated, the wait for replicas is part of a round, so it must be shorter than {@code
   * timeout}.
   */
  public static AuditBatchWriter connect(
      URI redisUrl,
      String key,
      Duration timeout,
      int maxBatch,
      int queueCapacity,
      AuditDurability durability) {
    durability.requireShorterThan(timeout);
    if (maxBatch < 1 || maxBatch > MAX_BATCH) {
      throw new IllegalArgumentException(
          "maxBatch must be 1 to " + MAX_BATCH + " events per entry, not " + maxBatch);
    }
    RedisClient client = RedisConnections.connect(redisUrl, timeout);
    return new AuditBatchWriter(
        client,
        key == null || key.isBlank() ? AuditStream.DEFAULT_KEY : key,
        maxBatch,
        queueCapacity,
        durability);
  }

  /**
   * Queues {@code events} as one group; the future completes when Redis has taken all of them. When
   * the audit service would not store one of them, none is queued and the future fails with {@link
   * UnstorableAuditEvent}.
   */
  public CompletableFuture<Void> append(List<AuditEvent> events) {
    for (AuditEvent event : events) {
      var problem = AuditEventRules.problem(event);
      if (problem.isPresent()) {
        return CompletableFuture.failedFuture(new UnstorableAuditEvent(problem.get()));
      }
    }
    return queue(events.stream().map(AuditEvent::toByteArray).toList());
  }

  /**
   * As {@link #append}, for events serialized and checked when they were made ({@link
   * CheckedEvent}): none is read again. When one of them would not be stored, none is queued and
   * the future fails with {@link UnstorableAuditEvent}.
   */
  public CompletableFuture<Void> appendChecked(List<CheckedEvent> events) {
    List<byte[]> encoded = new ArrayList<>(events.size());
    for (CheckedEvent event : events) {
      var problem = event.problem();
      if (problem.isPresent()) {
        return CompletableFuture.failedFuture(new UnstorableAuditEvent(problem.get()));
      }
      encoded.add(event.bytes());
    }
    return queue(encoded);
  }

  private CompletableFuture<Void> queue(List<byte[]> events) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (events.isEmpty()) {
      done.complete(null);
      return done;
    }
    if (closed) {
      done.completeExceptionally(new IllegalStateException("the audit writer is closed"));
      return done;
    }
    if (!writer.isAlive()) {
      // nothing would ever take the group: refuse now rather than leave the caller waiting
      done.completeExceptionally(new IllegalStateException("the audit writer has stopped"));
      return done;
    }
    // AuditEventBatch { repeated AuditEvent events = 1; }, written field by field
    int size = 0;
    for (byte[] event : events) {
      size += 1 + CodedOutputStream.computeUInt32SizeNoTag(event.length) + event.length;
    }
    byte[] encoded = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(encoded);
    try {
      for (byte[] event : events) {
        out.writeByteArray(1, event);
      }
      out.checkNoSpaceLeft();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("sizes were computed for these events", e);
    }
    if (!queue.offer(new Pending(encoded, events.size(), done))) {
      done.completeExceptionally(
          new IllegalStateException(
              "the audit stream is not keeping up: " + queue.size() + " groups waiting"));
    } else if (!writer.isAlive()) {
      failWaiting(); // it stopped between the check above and the offer
    }
    return done;
  }

  private void run() {
    List<Pending> round = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        round.add(first);
        queue.drainTo(round);
        write(round);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (RuntimeException | Error e) {
        // every waiting call is answered, whatever went wrong: a group left pending would hold its
        // call (and its caller) forever
        LOG.warn("audit stream write failed: {}", e.toString());
        IllegalStateException failure =
            new IllegalStateException(
                "the audit stream did not take the record: " + e.getMessage(), e);
        round.forEach(p -> p.done().completeExceptionally(failure));
        if (e instanceof VirtualMachineError fatal) {
          failWaiting();
          throw fatal;
        }
      } finally {
        round.clear();
      }
    }
    failWaiting();
  }

  private void failWaiting() {
    for (Pending left; (left = queue.poll()) != null; ) {
      left.done()
          .completeExceptionally(
              new IllegalStateException("the audit writer closed before writing"));
    }
  }

  /**
   * One pipeline: groups merged into entries of at most {@code maxBatch} events (an AuditEventBatch
   * is a concatenation of its events).
   */
  private void write(List<Pending> round) {
    List<Response<byte[]>> replies = new ArrayList<>();
    Response<Long> acknowledged;
    try (AbstractPipeline pipeline = redis.pipelined()) {
      int first = 0;
      while (first < round.size()) {
        // the groups [first, end) make one entry: at most maxBatch events, and at least one group
        int end = first;
        int events = 0;
        int bytes = 0;
        do {
          Pending pending = round.get(end++);
          events += pending.count();
          bytes += pending.events().length;
        } while (end < round.size() && events + round.get(end).count() <= maxBatch);
        replies.add(pipeline.xadd(key, XAddParams.xAddParams(), entry(round, first, end, bytes)));
        first = end;
      }
      // WAIT counts the replicas holding everything this connection wrote, these entries included
      acknowledged =
          durability.waitsForReplicas()
              ? pipeline.waitReplicas(
                  key, durability.replicas(), durability.waitTimeout().toMillis())
              : null;
      pipeline.sync();
    }
    // a refused command (out of memory, a read-only replica) arrives as a reply, not an exception
    replies.forEach(Response::get);
    if (acknowledged != null) {
      // the primary may hold the entries, but unless replicas do, nothing is released
      durability.requireAcknowledged(acknowledged.get());
    }
    round.forEach(p -> p.done().complete(null));
  }

  /**
   * The stream entry of groups {@code [first, end)} of a round, {@code bytes} long in all: a lone
   * group's batch as it is, several joined in one array sized once.
   */
  private static Map<byte[], byte[]> entry(List<Pending> round, int first, int end, int bytes) {
    byte[] events = round.get(first).events();
    if (end - first > 1) {
      events = new byte[bytes];
      int at = 0;
      for (int i = first; i < end; i++) {
        byte[] group = round.get(i).events();
        System.arraycopy(group, 0, events, at, group.length);
        at += group.length;
      }
    }
    return Map.of(TYPE, BATCH, EVENTS, events);
  }

  /** When this writer's records count as durable. */
  public AuditDurability durability() {
    return durability;
  }

  @Override
  public void close() {
    closed = true;
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    redis.close();
  }
}
