package org.alliedexchange.audit.consumer;

import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.audit.chain.Relationships;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.audit.store.DeadLetters;
import org.alliedexchange.auditstream.AuditEventRules;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntryBinary;

/**
 * Reads every writer's audit stream ({@link AuditWriter}) as a member of a consumer group and
 * stores what it reads, from each stream only the events its writer may record: any other is
 * dead-lettered (see {@link AuditWriter#refusal} for what each writer may record). An entry is
 * acknowledged only after the transaction holding its records has committed, so a consumer killed
 * at any point leaves its entries pending: on restart it reads its own pending entries first, and
 * entries left pending by a consumer that never came back are claimed by another after {@code
 * claimIdle}. Because the log skips events it already holds, redelivery never duplicates a record.
 *
 * <p>Each event is stored or dead-lettered on its own: one the log would not hold ({@link
 * AuditEventRules}, or a data error from PostgreSQL when stored alone) goes with its reason to the
 * {@code dead_letter} table and the stream {@code <base>:dead}, its neighbours in the same entry
 * are stored, and the entry is acknowledged, so nothing blocks the group and nothing disappears.
 * Only failures not caused by the data (the database or Redis unreachable) are retried.
 */
public final class StreamConsumer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StreamConsumer.class);

  private static final int EVENTS_PER_TRANSACTION = 5_000;
  private static final long HEALTH_EVERY_NANOS = 5_000_000_000L;
  private final RedisClient redis;
  private final AuditLog log;
  private final DeadLetters deadLetters;
  private final IngestionHealth health;
  private final String deadStream;
  private final List<Source> sources;
  private final Map<String, Source> sourcesByKey;
  private final byte[] group;
  private final String groupName;
  private final byte[] consumer;
  private final int batchSize;
  private final Duration claimIdle;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long stored;
  // the stream time (ms) of the oldest entry read but not yet stored and acknowledged; 0 for none
  private volatile long oldestUnstoredMillis;
  private volatile java.util.function.LongConsumer writeNanos = nanos -> {};

  public StreamConsumer(
      RedisClient redis,
      AuditLog log,
      DeadLetters deadLetters,
      IngestionHealth health,
      String base,
      List<AuditWriter> writers,
      String group,
      String consumer,
      int batchSize,
      Duration claimIdle) {
    this.redis = redis;
    this.log = log;
    this.deadLetters = deadLetters;
    this.health = health;
    this.deadStream = base + ":dead";
    this.sources =
        writers.stream()
            .map(w -> new Source(w, w.streamKey(base), bytes(w.streamKey(base))))
            .toList();
    this.sourcesByKey = new java.util.HashMap<>();
    sources.forEach(source -> sourcesByKey.put(source.key(), source));
    this.group = group.getBytes(StandardCharsets.UTF_8);
    this.groupName = group;
    this.consumer = consumer.getBytes(StandardCharsets.UTF_8);
    this.batchSize = batchSize;
    this.claimIdle = claimIdle;
    sources.forEach(source -> createGroup(source.key(), group));
    // a writer whose stream is not listed here is not read: its nation is missing from this
    // service's federation configuration
    LOG.info(
        "reading the audit streams of {} writers: {}",
        sources.size(),
        sources.stream().map(s -> s.writer() + " " + s.key()).toList());
    this.thread = new Thread(this::run, "audit-stream-consumer");
    thread.setDaemon(true);
  }

  /** A writer's stream. */
  private record Source(AuditWriter writer, String key, byte[] keyBytes) {}

  private void createGroup(String stream, String name) {
    try {
      // from the stream's first entry: nothing written before the service first ran is skipped;
      // a writer that has not written yet finds its stream made
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

  /** Tells {@code writeNanos} how long each write of a batch to the log took. */
  public void measureWrites(java.util.function.LongConsumer writeNanos) {
    this.writeNanos = writeNanos;
  }

  /**
   * How far ingestion lags: the age, in seconds, of the oldest entry read off the stream and not
   * yet in the log (by the time Redis gave its id); 0 when all read is stored.
   */
  public double lagSeconds() {
    long oldest = oldestUnstoredMillis;
    return oldest == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest) / 1000.0;
  }

  /** Records written since start. */
  public long stored() {
    return stored;
  }

  private void run() {
    boolean ownPendingFirst = true;
    long lastClaim = 0;
    long lastCount = 0;
    while (running) {
      try {
        if (System.nanoTime() - lastCount > HEALTH_EVERY_NANOS) {
          // a reviewed dead letter clears the alarm
          lastCount = System.nanoTime();
          health.unreviewed(deadLetters.unreviewed());
        }
        if (ownPendingFirst) {
          // what this consumer read but did not acknowledge before it stopped
          int pending = 0;
          for (Source source : sources) {
            pending += handleTimed(source, read(source, new StreamEntryID(0, 0)));
          }
          ownPendingFirst = pending > 0;
          health.consumed();
          continue;
        }
        if (System.nanoTime() - lastClaim > claimIdle.toNanos() / 2) {
          lastClaim = System.nanoTime();
          for (Source source : sources) {
            while (running && handleTimed(source, claim(source)) > 0) {
              // keep claiming while abandoned entries remain
            }
          }
        }
        List<Map.Entry<Source, List<StreamEntryBinary>>> round = new ArrayList<>();
        for (Map.Entry<byte[], List<StreamEntryBinary>> read : readNew(1_000)) {
          Source source = sourcesByKey.get(new String(read.getKey(), StandardCharsets.UTF_8));
          if (source == null) {
            throw new IllegalStateException(
                "Redis answered for a stream not asked for: "
                    + AuditEventRules.printable(
                        new String(read.getKey(), StandardCharsets.UTF_8), 100));
          }
          round.add(Map.entry(source, read.getValue()));
        }
        handleRound(round);
        health.consumed();
      } catch (RuntimeException | SQLException e) {
        if (running) {
          health.failed(e.getMessage());
          LOG.warn("audit stream not consumed, retrying: {}", e.getMessage());
          if (String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
            recreateGroups(e);
          }
          sleep(1_000);
          ownPendingFirst = true;
        }
      }
    }
  }

  /**
   * A writer's stream (or its group) was deleted under the service: the one read of every stream
   * fails with NOGROUP until the group is there again, so it is made again, from the stream's first
   * entry, and the others' reading goes on. Whatever the deleted stream held and the service had
   * not stored is gone; that is said loudly, since only an operator's DEL or XGROUP DESTROY does
   * it.
   */
  private void recreateGroups(Exception cause) {
    LOG.error(
        "an audit stream or its consumer group was deleted ({}): any entries it held that were not"
            + " yet stored are lost; making the group again",
        cause.getMessage());
    for (Source source : sources) {
      try {
        createGroup(source.key(), groupName);
      } catch (RuntimeException e) {
        // the next failed read tries again; the other streams' groups are made meanwhile
        LOG.warn(
            "the consumer group on {} could not be made again yet: {}",
            source.key(),
            e.getMessage());
      }
    }
  }

  /** One stream's entries from {@code from} on (its pending ones, from 0-0). */
  private List<StreamEntryBinary> read(Source source, StreamEntryID from) {
    List<Map.Entry<byte[], List<StreamEntryBinary>>> reply =
        redis.xreadGroupBinary(
            group,
            consumer,
            XReadGroupParams.xReadGroupParams().count(batchSize),
            Map.of(source.keyBytes(), from));
    if (reply == null || reply.isEmpty()) {
      return List.of();
    }
    return reply.get(0).getValue();
  }

  /**
   * Entries no consumer of the group has been given yet, from every writer's stream in one call,
   * waiting up to {@code blockMillis} for the first.
   */
  private List<Map.Entry<byte[], List<StreamEntryBinary>>> readNew(int blockMillis) {
    Map<byte[], StreamEntryID> streams = new java.util.LinkedHashMap<>();
    for (Source source : sources) {
      streams.put(source.keyBytes(), StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY);
    }
    List<Map.Entry<byte[], List<StreamEntryBinary>>> reply =
        redis.xreadGroupBinary(
            group,
            consumer,
            XReadGroupParams.xReadGroupParams().count(batchSize).block(blockMillis),
            streams);
    return reply == null ? List.of() : reply;
  }

  /** Entries pending with any consumer for longer than {@code claimIdle}, now this one's. */
  @SuppressWarnings("unchecked")
  private List<StreamEntryBinary> claim(Source source) {
    List<Object> reply =
        redis.xautoclaim(
            source.keyBytes(),
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

  /** An event read off the stream, with where it was. */
  private record Pending(String streamId, int position, AuditLog.Incoming incoming) {}

  /**
   * Stores the entries' events, a transaction per {@value #EVENTS_PER_TRANSACTION} events or so (an
   * entry's events always share one), dead-letters each event that cannot be stored on its own, and
   * acknowledges each run of entries once both are committed; returns how many entries there were.
   */
  private int handle(Source source, List<StreamEntryBinary> entries) throws SQLException {
    List<Pending> events = new ArrayList<>();
    List<DeadLetters.Letter> dead = new ArrayList<>();
    List<StreamEntryID> ids = new ArrayList<>();
    for (StreamEntryBinary entry : entries) {
      sort(source.writer(), entry, events, dead);
      ids.add(entry.getID());
      if (events.size() >= EVENTS_PER_TRANSACTION) {
        commitAndAcknowledge(source, events, dead, ids);
      }
    }
    commitAndAcknowledge(source, events, dead, ids);
    return entries.size();
  }

  /** {@link #handle} one stream's entries, with the lag they make while they are handled. */
  private int handleTimed(Source source, List<StreamEntryBinary> entries) throws SQLException {
    return entries.isEmpty() ? 0 : handleRound(List.of(Map.entry(source, entries)));
  }

  /**
   * Handles one read of several streams, a stream at a time. While each is handled the lag is the
   * age of the oldest entry of it and the streams after it, so what waits behind one busy stream
   * counts too; afterwards nothing read is unstored. Returns how many entries there were.
   */
  private int handleRound(List<Map.Entry<Source, List<StreamEntryBinary>>> round)
      throws SQLException {
    int entries = 0;
    for (int i = 0; i < round.size(); i++) {
      long oldest = Long.MAX_VALUE;
      for (var waiting : round.subList(i, round.size())) {
        if (!waiting.getValue().isEmpty()) {
          oldest = Math.min(oldest, waiting.getValue().get(0).getID().getTime());
        }
      }
      if (oldest != Long.MAX_VALUE) {
        oldestUnstoredMillis = Math.max(1, oldest);
      }
      entries += handle(round.get(i).getKey(), round.get(i).getValue());
    }
    oldestUnstoredMillis = 0;
    return entries;
  }

  private void commitAndAcknowledge(
      Source source, List<Pending> events, List<DeadLetters.Letter> dead, List<StreamEntryID> ids)
      throws SQLException {
    if (ids.isEmpty()) {
      return;
    }
    try {
      long started = System.nanoTime();
      stored += log.append(events.stream().map(Pending::incoming).toList());
      writeNanos.accept(System.nanoTime() - started);
    } catch (SQLException | RuntimeException e) {
      if (!causedByData(e)) {
        throw e;
      }
      LOG.warn(
          "the log refused a batch of {} events for its data ({}); storing them one by one",
          events.size(),
          refusal(e));
      storeOneByOne(events, dead);
    }
    deadLetter(source, dead);
    // only now, with the records and the dead letters committed
    redis.xack(source.key(), groupName, ids.toArray(StreamEntryID[]::new));
    events.clear();
    dead.clear();
    ids.clear();
  }

  /**
   * Each event in a transaction of its own, in order, so that the one whose data the log refuses is
   * dead-lettered and its neighbours are stored; a failure not caused by data still stops the
   * round.
   */
  private void storeOneByOne(List<Pending> events, List<DeadLetters.Letter> dead)
      throws SQLException {
    for (Pending pending : events) {
      List<AuditLog.Incoming> one = List.of(pending.incoming());
      try {
        stored += log.append(one);
      } catch (SQLException | RuntimeException first) {
        if (!causedByData(first)) {
          throw first;
        }
        try {
          // once more, in case a neighbouring replica's commit raced it
          stored += log.append(one);
        } catch (SQLException | RuntimeException again) {
          if (!causedByData(again)) {
            throw again;
          }
          AuditEvent event = pending.incoming().event();
          dead.add(
              new DeadLetters.Letter(
                  pending.streamId(),
                  pending.position(),
                  AuditEventRules.printable(event.getEventId(), 100),
                  Relationships.attributable(event),
                  "the log refused it: " + refusal(again),
                  pending.incoming().bytes()));
        }
      }
    }
  }

  /**
   * What the database said, without the statement a batch failure repeats: its SQLState and why.
   */
  static String refusal(Throwable failure) {
    Throwable said = failure;
    String state = null;
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql) {
        // a batch's own message repeats the statement; the reason is in the next exception
        SQLException last = sql;
        while (last.getNextException() != null && last.getNextException() != last) {
          last = last.getNextException();
        }
        said = last;
        state = last.getSQLState() != null ? last.getSQLState() : sql.getSQLState();
        break;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    String message =
        said.getMessage() == null ? said.getClass().getSimpleName() : said.getMessage();
    int detail = message.indexOf("\n  Detail:");
    if (detail > 0) {
      // the failing row is the event itself, already kept with the letter
      message = message.substring(0, detail);
    }
    return (state == null ? "" : "SQLState " + state + ": ")
        + AuditEventRules.printable(message, 300);
  }

  /**
   * Whether a failure to store comes from the events stored rather than from the database being
   * unreachable or busy: SQLState classes 22 (data exception), 23 (integrity constraint) and 54
   * (program limit exceeded), or anything this service threw while reading an event.
   */
  static boolean causedByData(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql) {
        String state = sql.getSQLState();
        return state != null
            && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return failure instanceof IllegalArgumentException
        || failure instanceof IllegalStateException
        || failure instanceof ArithmeticException
        || failure instanceof IndexOutOfBoundsException
        || failure instanceof NullPointerException;
  }

  /**
   * One event read off {@code writer}'s stream: what the log stores ({@code incoming}), or why it
   * is dead-lettered instead ({@code problem}; {@code event} is null when it could not be read).
   */
  record Sorted(AuditLog.Incoming incoming, AuditEvent event, String problem) {}

  /** Sorts one event of {@code writer}'s stream: the shared rule, the writer's, then the log's. */
  static Sorted sort(AuditWriter writer, byte[] bytes) {
    AuditEventRules.Checked checked = AuditEventRules.check(bytes);
    String problem = checked.problem();
    if (problem == null) {
      problem = writer.refusal(checked.event()).orElse(null);
    }
    if (problem == null) {
      try {
        return new Sorted(new AuditLog.Incoming(bytes, checked.event()), checked.event(), null);
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    return new Sorted(null, checked.event(), problem);
  }

  /**
   * Puts the entry's storable events in {@code events} and every other one in {@code dead}: one the
   * log would not hold, and one its stream's {@code writer} may not record.
   */
  private static void sort(
      AuditWriter writer,
      StreamEntryBinary entry,
      List<Pending> events,
      List<DeadLetters.Letter> dead) {
    String id = entry.getID().toString();
    if (entry.getFields() == null) {
      // read back while pending after it left the stream: trimmed or deleted (its writer may
      // XADD ... MAXLEN) before it was stored. Acknowledged with an alarm, never retried forever.
      dead.add(
          wholeEntry(
              writer,
              id,
              "the entry was removed from the stream (trimmed or deleted) after it was read and"
                  + " before it was stored; what it held is lost",
              new byte[0]));
      return;
    }
    int position = 0;
    boolean any = false;
    for (Map.Entry<byte[], byte[]> field : entry.getFields().entrySet()) {
      List<byte[]> all;
      try {
        all = AuditStream.eventBytes(field.getKey(), field.getValue());
      } catch (InvalidProtocolBufferException e) {
        dead.add(
            wholeEntry(
                writer,
                id,
                "the entry's `events` is not an AuditEventBatch: "
                    + AuditEventRules.printable(e.getMessage(), 300),
                field.getValue()));
        any = true;
        continue;
      }
      for (byte[] bytes : all) {
        any = true;
        int at = position++;
        Sorted sorted = sort(writer, bytes);
        if (sorted.problem() == null) {
          events.add(new Pending(id, at, sorted.incoming()));
          continue;
        }
        AuditEvent event = sorted.event();
        dead.add(
            new DeadLetters.Letter(
                id,
                at,
                event == null || event.getEventId().isEmpty()
                    ? null
                    : AuditEventRules.printable(event.getEventId(), 100),
                attributed(writer, event),
                sorted.problem(),
                bytes));
      }
    }
    if (!any) {
      dead.add(
          wholeEntry(
              writer, id, "the entry has neither an `event` nor an `events` field", new byte[0]));
    }
  }

  /** The letter of a stream entry that could not be read as events at all. */
  private static DeadLetters.Letter wholeEntry(
      AuditWriter writer, String streamId, String reason, byte[] bytes) {
    return new DeadLetters.Letter(streamId, -1, null, attributed(writer, null), reason, bytes);
  }

  /**
   * The relationships a dead letter read off {@code writer}'s stream is attributed to, so the
   * compliance reports that count it are the right ones. What a nation's exchange service or
   * hotline node wrote is its nation's doing: only relationships of that nation, or its own chain
   * when the event names none (or could not be read), so no nation's writer can put alarms or lost
   * events into the reports of two others. The gateways' and the listener's letters go where their
   * events' nations say (none: unattributed, shown in every report).
   */
  static List<String> attributed(AuditWriter writer, AuditEvent event) {
    List<String> named = event == null ? List.of() : Relationships.attributable(event);
    if (writer.nation().isEmpty()) {
      return named;
    }
    List<String> own =
        named.stream().filter(r -> List.of(r.split("-")).contains(writer.nation())).toList();
    return own.isEmpty() ? List.of(writer.nation()) : own;
  }

  /**
   * Each letter to PostgreSQL, where health and the reports count it, and to {@code <stream>:dead};
   * each an alarm, logged at ERROR.
   */
  private void deadLetter(Source source, List<DeadLetters.Letter> letters) throws SQLException {
    if (letters.isEmpty()) {
      return;
    }
    deadLetters.store(source.key(), letters);
    byte[] deadKey = bytes(deadStream);
    for (DeadLetters.Letter letter : letters) {
      Map<byte[], byte[]> copy = new java.util.LinkedHashMap<>();
      copy.put(bytes("dead-stream"), bytes(source.key()));
      copy.put(bytes("dead-id"), bytes(letter.streamId()));
      copy.put(bytes("dead-position"), bytes(Integer.toString(letter.position())));
      copy.put(bytes("dead-because"), bytes(letter.reason()));
      copy.put(bytes("dead-event-id"), bytes(letter.eventId() == null ? "" : letter.eventId()));
      copy.put(bytes("dead-relationships"), bytes(String.join(",", letter.relationships())));
      copy.put(bytes(AuditStream.EVENT_FIELD), letter.bytes());
      redis.xadd(deadKey, XAddParams.xAddParams(), copy);
      LOG.error(
          "AUDIT DEAD LETTER: event {} ({} entry {}, position {}, relationships {}) was not stored:"
              + " {}; copied to {} and the dead_letter table",
          letter.eventId() == null ? "(none)" : letter.eventId(),
          source.key(),
          letter.streamId(),
          letter.position(),
          letter.relationships().isEmpty() ? "unattributed" : letter.relationships(),
          letter.reason(),
          deadStream);
    }
    health.deadLettered(letters.size());
    health.unreviewed(deadLetters.unreviewed());
    LOG.error(
        "{} audit events dead-lettered since start; {} dead letters await review",
        health.deadLetteredSinceStart(),
        health.unreviewedDeadLetters());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
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
