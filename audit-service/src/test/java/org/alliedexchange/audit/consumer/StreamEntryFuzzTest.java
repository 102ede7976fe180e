package org.alliedexchange.audit.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.alliedexchange.api.CanonicalMessages;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.AuditEventBatch;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/**
 * The audit consumer's reading of one stream entry, on any batch a writer could put on its stream,
 * read as each kind of writer's: nothing throws; each event is stored or dead-lettered on its own,
 * with a reason, so a good event after a bad one in the same entry is still stored; and what is
 * stored is something the log can hold: every chain it names is a valid relationship, and it has no
 * field nobody interprets; and what a nation's exchange service or hotline node wrote reaches only
 * chains of its own nation. The corpus ({@code StreamEntryFuzzTestInputs/}) holds real {@code
 * events} values: the gateway's transfer records, an amendment, an identity change, and the
 * poisoned amendment of issue 13.
 */
class StreamEntryFuzzTest {

  /** What the log's chain_head and relationship columns can hold. */
  private static final Pattern RELATIONSHIP =
      Pattern.compile("UNKNOWN|FEDERATION|[A-Z]{3}|[A-Z]{3}-[A-Z]{3}");

  private static final byte[] GOOD_NEIGHBOUR = transfer("0193a0c2-0000-7000-8000-0000000000ff");
  private static final AtomicLong INPUTS = new AtomicLong();

  /** Every kind of writer, each reading the same entry off its own stream. */
  private static final List<AuditWriter> WRITERS =
      List.of(
          AuditWriter.gateway(),
          AuditWriter.identity(),
          AuditWriter.exchange("KOR"),
          AuditWriter.hotline("KOR"));

  /** An entry's events, sorted the way the consumer sorts them. */
  record Sorted(List<AuditLog.Incoming> stored, List<String> deadBecause, int events) {}

  /**
   * The entry point fuzzed: the consumer's handling of one entry's fields as read off {@code
   * writer}'s stream: the stream's field reader, then {@link StreamConsumer#sort(AuditWriter,
   * byte[])} for each event (the shared rule, the writer's rule, the log's reading), a dead letter
   * with its reason for whatever fails.
   */
  static Sorted sortEntry(AuditWriter writer, Map<byte[], byte[]> fields) {
    List<AuditLog.Incoming> stored = new ArrayList<>();
    List<String> dead = new ArrayList<>();
    int events = 0;
    for (Map.Entry<byte[], byte[]> field : fields.entrySet()) {
      List<byte[]> all;
      try {
        all = AuditStream.eventBytes(field.getKey(), field.getValue());
      } catch (InvalidProtocolBufferException e) {
        dead.add("not an AuditEventBatch: " + e.getMessage());
        continue;
      }
      for (byte[] bytes : all) {
        events++;
        StreamConsumer.Sorted sorted = StreamConsumer.sort(writer, bytes);
        if (sorted.problem() == null) {
          stored.add(sorted.incoming());
        } else {
          dead.add(sorted.problem());
        }
      }
    }
    return new Sorted(stored, dead, events);
  }

  @FuzzTest
  @Timeout(10)
  void eachEventIsStoredOrDeadLetteredOnItsOwn(byte[] events) throws IOException {
    INPUTS.incrementAndGet();
    // a well-framed batch gets one more good event after its own; a badly framed one would swallow
    // it
    boolean framed = framed(events);
    ByteArrayOutputStream batch = new ByteArrayOutputStream();
    batch.writeBytes(events);
    if (framed) {
      CodedOutputStream tail = CodedOutputStream.newInstance(batch);
      tail.writeByteArray(1, GOOD_NEIGHBOUR);
      tail.flush();
    }
    Map<byte[], byte[]> entry = new LinkedHashMap<>();
    entry.put(bytes(AuditStream.TYPE_FIELD), bytes(AuditStream.BATCH_TYPE));
    entry.put(bytes(AuditStream.EVENTS_FIELD), batch.toByteArray());

    for (AuditWriter writer : WRITERS) {
      Sorted sorted = sortEntry(writer, entry);

      assertThat(sorted.stored().size() + sorted.deadBecause().size())
          .as("events stored or dead-lettered")
          .isGreaterThanOrEqualTo(sorted.events());
      assertThat(sorted.deadBecause()).allSatisfy(why -> assertThat(why).isNotBlank());
      if (framed && writer.equals(AuditWriter.gateway())) {
        assertThat(sorted.stored())
            .as("the good event after the fuzzed ones")
            .anySatisfy(stored -> assertThat(stored.event().getEventId()).endsWith("0000000000ff"));
      }
      for (AuditLog.Incoming stored : sorted.stored()) {
        assertThat(stored.relationships())
            .as("chains of stored event " + stored.event().getEventId())
            .isNotEmpty()
            .allSatisfy(name -> assertThat(name).matches(RELATIONSHIP));
        assertThat(CanonicalMessages.firstUnknownField(stored.event()))
            .as("a stored event with a field nobody interprets")
            .isEmpty();
        if (!writer.nation().isEmpty()) {
          // a nation's writer reaches only chains its own nation is part of, whatever it writes
          assertThat(stored.relationships())
              .as("chains " + writer + " reached")
              .allSatisfy(name -> assertThat(name.split("-")).contains(writer.nation()));
        }
      }
    }
  }

  @AfterAll
  static void theFuzzerRan() {
    FuzzRuns.assertRan(INPUTS.get());
  }

  private static boolean framed(byte[] events) {
    try {
      AuditStream.eventBytes(bytes(AuditStream.EVENTS_FIELD), events);
      return true;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  /** A transfer record as the gateway writes it. */
  static byte[] transfer(String id) {
    return AuditEvent.newBuilder()
        .setEventId(id)
        .setSource("gateway")
        .setOccurredAt(Timestamp.newBuilder().setSeconds(1_795_683_600L))
        .setTransfer(
            TransferRecord.newBuilder()
                .setTransferId(id)
                .setDecision(Decision.DECISION_PERMIT)
                .setProductId("p-1")
                .setTopic("dprk.missile.launch")
                .setSourceNation("KOR")
                .setRecipientNation("JPN")
                .setRecipientMarking("極秘"))
        .build()
        .toByteArray();
  }

  /** A batch value ({@code events}) holding these events. */
  static byte[] batch(AuditEvent... events) {
    return AuditEventBatch.newBuilder().addAllEvents(List.of(events)).build().toByteArray();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
