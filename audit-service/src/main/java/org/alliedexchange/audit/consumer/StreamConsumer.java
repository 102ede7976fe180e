package org.alliedexchange.audit.consumer;

import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.auditstream.AuditStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntryBinary;

/**
 * Reads the audit stream as a member of a consumer group and stores what it reads. An entry is
 * acknowledged only after the transaction holding its records has committed, so a consumer killed
 * at any point leaves its entries pending: on restart it reads its own pending entries first, and
 * entries left pending by a consumer that never came back are claimed by another after {@code
 * claimIdle}. Because the log skips events it already holds, redelivery never duplicates a record.
 *
 * <p>An entry that holds no readable AuditEvent cannot be stored; it is copied to the dead-letter
 * stream ({@code <stream>:dead}) and then acknowledged, so it neither blocks the group nor
 * disappears.
 */
public final class StreamConsumer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StreamConsumer.class);

  private static final int EVENTS_PER_TRANSACTION = 5_000;
  private final RedisClient redis;
  private final AuditLog log;
  private final String stream;
  private final byte[] streamKey;
  private final byte[] group;
  private final String groupName;
  private final byte[] consumer;
  private final int batchSize;
  private final Duration claimIdle;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long stored;

  public StreamConsumer(
      RedisClient redis,
      AuditLog log,
      String stream,
      String group,
      String consumer,
      int batchSize,
      Duration claimIdle) {
    this.redis = redis;
    this.log = log;
    this.stream = stream;
    this.streamKey = stream.getBytes(StandardCharsets.UTF_8);
    this.group = group.getBytes(StandardCharsets.UTF_8);
    this.groupName = group;
    this.consumer = consumer.getBytes(StandardCharsets.UTF_8);
    this.batchSize = batchSize;
    this.claimIdle = claimIdle;
    createGroup(group);
    this.thread = new Thread(this::run, "audit-stream-consumer");
    thread.setDaemon(true);
  }

  private void createGroup(String name) {
    try {
      // from the stream's first entry: nothing written before the service first ran is skipped
      redis.xgroupCreate(stream, name, new StreamEntryID(0, 0), true);
    } catch (redis.clients.jedis.exceptions.JedisDataException e) {
      if (!String.valueOf(e.getMessage()).contains("BUSYGROUP")) {
        throw e;
      }
    }
  }

  public void start() {
    thread.start();
  }

  /** Records written since start. */
  public long stored() {
    return stored;
  }

  private void run() {
    boolean ownPendingFirst = true;
    long lastClaim = 0;
    while (running) {
      try {
        if (ownPendingFirst) {
          // what this consumer read but did not acknowledge before it stopped
          ownPendingFirst = handle(read(new StreamEntryID(0, 0), 0)) > 0;
          continue;
        }
        if (System.nanoTime() - lastClaim > claimIdle.toNanos() / 2) {
          lastClaim = System.nanoTime();
          while (running && handle(claim()) > 0) {
            // keep claiming while abandoned entries remain
          }
        }
        handle(read(StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY, 1_000));
      } catch (RuntimeException | java.sql.SQLException e) {
        if (running) {
          LOG.warn("audit stream not consumed, retrying: {}", e.getMessage());
          sleep(1_000);
          ownPendingFirst = true;
        }
      }
    }
  }

  private List<StreamEntryBinary> read(StreamEntryID from, int blockMillis) {
    XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(batchSize);
    if (blockMillis > 0) {
      params.block(blockMillis);
    }
    List<Map.Entry<byte[], List<StreamEntryBinary>>> reply =
        redis.xreadGroupBinary(group, consumer, params, Map.of(streamKey, from));
    if (reply == null || reply.isEmpty()) {
      return List.of();
    }
    return reply.get(0).getValue();
  }

  /** Entries pending with any consumer for longer than {@code claimIdle}, now this one's. */
  @SuppressWarnings("unchecked")
  private List<StreamEntryBinary> claim() {
    List<Object> reply =
        redis.xautoclaim(
            streamKey,
            group,
            consumer,
            claimIdle.toMillis(),
            "0-0".getBytes(StandardCharsets.UTF_8),
            XAutoClaimParams.xAutoClaimParams().count(batchSize));
    List<StreamEntryBinary> entries = new ArrayList<>();
    for (Object raw : (List<Object>) reply.get(1)) {
      if (!(raw instanceof List<?> entry)
          || entry.size() < 2
          || !(entry.get(1) instanceof List<?> fields)) {
        continue; // an entry deleted from the stream while pending
      }
      Map<byte[], byte[]> map = new java.util.LinkedHashMap<>();
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        map.put((byte[]) fields.get(i), (byte[]) fields.get(i + 1));
      }
      entries.add(
          new StreamEntryBinary(
              new StreamEntryID(new String((byte[]) entry.get(0), StandardCharsets.UTF_8)), map));
    }
    return entries;
  }

  /**
   * Stores the entries' events, a transaction per {@value #EVENTS_PER_TRANSACTION} events or so (an
   * entry's events always share one), and acknowledges each run of entries once its transaction has
   * committed; returns how many entries there were.
   */
  private int handle(List<StreamEntryBinary> entries) throws java.sql.SQLException {
    List<AuditLog.Incoming> events = new ArrayList<>();
    List<StreamEntryID> ids = new ArrayList<>();
    for (StreamEntryBinary entry : entries) {
      try {
        events.addAll(parse(entry.getFields()));
      } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
        deadLetter(entry, e.getMessage());
      }
      ids.add(entry.getID());
      if (events.size() >= EVENTS_PER_TRANSACTION) {
        commitAndAcknowledge(events, ids);
      }
    }
    commitAndAcknowledge(events, ids);
    return entries.size();
  }

  private void commitAndAcknowledge(List<AuditLog.Incoming> events, List<StreamEntryID> ids)
      throws java.sql.SQLException {
    if (ids.isEmpty()) {
      return;
    }
    stored += log.append(events);
    // only now, with the records committed
    redis.xack(stream, groupName, ids.toArray(StreamEntryID[]::new));
    events.clear();
    ids.clear();
  }

  private static List<AuditLog.Incoming> parse(Map<byte[], byte[]> fields)
      throws InvalidProtocolBufferException {
    List<AuditLog.Incoming> events = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> field : fields.entrySet()) {
      for (byte[] event : AuditStream.eventBytes(field.getKey(), field.getValue())) {
        events.add(incoming(event));
      }
    }
    if (events.isEmpty()) {
      throw new IllegalArgumentException("the entry has neither an `event` nor an `events` field");
    }
    return events;
  }

  private static AuditLog.Incoming incoming(byte[] bytes) throws InvalidProtocolBufferException {
    AuditEvent event = AuditEvent.parseFrom(bytes);
    if (event.getEventId().isEmpty()) {
      throw new IllegalArgumentException(
          "an event without an event id cannot be stored exactly once");
    }
    return new AuditLog.Incoming(bytes, event);
  }

  private void deadLetter(StreamEntryBinary entry, String why) {
    Map<byte[], byte[]> copy = new java.util.LinkedHashMap<>(entry.getFields());
    copy.put(
        "dead-because".getBytes(StandardCharsets.UTF_8),
        why == null ? new byte[0] : why.getBytes(StandardCharsets.UTF_8));
    copy.put(
        "dead-id".getBytes(StandardCharsets.UTF_8),
        entry.getID().toString().getBytes(StandardCharsets.UTF_8));
    redis.xadd((stream + ":dead").getBytes(StandardCharsets.UTF_8), XAddParams.xAddParams(), copy);
    LOG.warn(
        "audit stream entry {} holds no readable AuditEvent ({}); moved to {}:dead",
        entry.getID(),
        why,
        stream);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5_000);
  }
}
