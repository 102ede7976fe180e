package org.alliedexchange.auditstream;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The audit stream's contract. Every component that makes an auditable decision or change appends
 * an {@code allied.audit.v1.AuditEvent} to its own Redis stream ({@link AuditWriter}); the audit
 * service consumes them all.
 *
 * <p>An entry has two fields: {@link #TYPE_FIELD}, the event's kind in words (for people reading
 * the stream with redis-cli), and either {@link #EVENT_FIELD}, one serialized AuditEvent, or, when
 * the type is {@link #BATCH_TYPE}, {@link #EVENTS_FIELD}, a serialized AuditEventBatch (the
 * gateway's decisions of one stretch of a call, appended at once). The serialized events are
 * authoritative.
 */
public final class AuditStream {

  /** The stream's key unless configured otherwise. */
  public static final String DEFAULT_KEY = "allied:audit";

  /** The field holding the serialized {@code AuditEvent}. */
  public static final String EVENT_FIELD = "event";

  /**
   * The field holding a serialized {@code AuditEventBatch} in an entry of type {@link #BATCH_TYPE}.
   */
  public static final String EVENTS_FIELD = "events";

  /** The type of an entry holding several events. */
  public static final String BATCH_TYPE = "batch";

  /** The field holding the event's kind, e.g. "transfer", "identity_changed". */
  public static final String TYPE_FIELD = "type";

  private static final byte[] EVENT = EVENT_FIELD.getBytes(StandardCharsets.UTF_8);
  private static final byte[] EVENTS = EVENTS_FIELD.getBytes(StandardCharsets.UTF_8);

  /** The environment variable naming the Redis that holds the stream, as a redis:// URL. */
  public static final String REDIS_URL_ENV = "ALLIED_AUDIT_REDIS_URL";

  /** The environment variable naming the stream's key, when not {@link #DEFAULT_KEY}. */
  public static final String STREAM_KEY_ENV = "ALLIED_AUDIT_STREAM";

  private AuditStream() {}

  /**
   * The serialized AuditEvents one field of an entry holds, each exactly as written: the value
   * itself for {@link #EVENT_FIELD}, the batch's events for {@link #EVENTS_FIELD}, none for any
   * other field. Consumers keep these bytes, because the audit log's chain hashes them.
   *
   * @throws InvalidProtocolBufferException when a batch is not an AuditEventBatch
   */
  public static List<byte[]> eventBytes(byte[] field, byte[] value)
      throws InvalidProtocolBufferException {
    if (Arrays.equals(field, EVENT)) {
      return List.of(value);
    }
    if (!Arrays.equals(field, EVENTS)) {
      return List.of();
    }
    // AuditEventBatch { repeated AuditEvent events = 1; }, read field by field to keep each event's
    // bytes
    List<byte[]> events = new ArrayList<>();
    CodedInputStream in = CodedInputStream.newInstance(value);
    try {
      for (int tag; (tag = in.readTag()) != 0; ) {
        if (WireFormat.getTagFieldNumber(tag) == 1
            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          events.add(in.readByteArray());
        } else {
          in.skipField(tag);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e.getMessage());
    }
    return events;
  }
}
