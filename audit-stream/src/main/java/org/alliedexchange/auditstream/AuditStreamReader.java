package org.alliedexchange.auditstream;

import com.google.protobuf.InvalidProtocolBufferException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.api.audit.v1.AuditEvent;
import redis.clients.jedis.RedisClient;

/** Reads the audit stream back: every entry's AuditEvent, oldest first. */
public final class AuditStreamReader {

  private AuditStreamReader() {}

  /**
   * Every event now on these writers' streams under the default base key, writer by writer (each
   * oldest first).
   */
  public static List<AuditEvent> readAll(URI redisUrl, List<AuditWriter> writers) {
    List<AuditEvent> events = new ArrayList<>();
    for (AuditWriter writer : writers) {
      events.addAll(readAll(redisUrl, writer.streamKey()));
    }
    return events;
  }

  /**
   * Every event now on the stream at {@code redisUrl}; throws when an entry is not an AuditEvent.
   */
  public static List<AuditEvent> readAll(URI redisUrl, String key) {
    List<AuditEvent> events = new ArrayList<>();
    try (RedisClient client = RedisConnections.connect(redisUrl, Duration.ofSeconds(5))) {
      byte[] stream =
          (key == null ? AuditStream.DEFAULT_KEY : key).getBytes(StandardCharsets.UTF_8);
      for (Object entry :
          client.xrange(
              stream, "-".getBytes(StandardCharsets.UTF_8), "+".getBytes(StandardCharsets.UTF_8))) {
        List<?> fields = (List<?>) ((List<?>) entry).get(1);
        for (int i = 0; i + 1 < fields.size(); i += 2) {
          for (byte[] event :
              AuditStream.eventBytes((byte[]) fields.get(i), (byte[]) fields.get(i + 1))) {
            events.add(AuditEvent.parseFrom(event));
          }
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "an entry of the audit stream is not an AuditEvent: " + e.getMessage(), e);
    }
    return events;
  }
}
