package org.alliedexchange.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

/**
 * The frame reader on any bytes a backend could send, cut into buffers anywhere: it hands out the
 * same messages, refuses the same frame and ends in the same state as a plain reading of the whole
 * body at once, and throws nothing but {@link GrpcFrameReader.FrameException}. The corpus (in
 * {@code GrpcFrameReaderFuzzTestInputs/}) holds real response bodies: framed gRPC messages.
 */
class GrpcFrameReaderFuzzTest {

  /** Small, so that the fuzzer meets the limit. */
  private static final int MAX_MESSAGE_BYTES = 4096;

  private static final AtomicLong INPUTS = new AtomicLong();

  @FuzzTest
  @Timeout(10)
  void readsTheSameMessagesHoweverTheBodyIsCut(byte[] body) {
    INPUTS.incrementAndGet();
    Reading expected = readWhole(body);

    assertThat(readInBuffers(body, cuts(body, 0))).as("one buffer").isEqualTo(expected);
    assertThat(readInBuffers(body, cuts(body, 1))).as("a buffer per byte").isEqualTo(expected);
    assertThat(readInBuffers(body, cuts(body, -1)))
        .as("buffers of varying size")
        .isEqualTo(expected);
  }

  @AfterAll
  static void theFuzzerRan() {
    FuzzRuns.assertRan(INPUTS.get());
  }

  /** What a reading yields: the messages, whether a frame was refused, whether it ended whole. */
  private record Reading(List<String> messages, boolean refused, boolean atBoundary) {}

  /** The model: one pass over the whole body. */
  private static Reading readWhole(byte[] body) {
    List<String> messages = new ArrayList<>();
    int at = 0;
    while (body.length - at >= 5) {
      long length =
          ((body[at + 1] & 0xFFL) << 24)
              | ((body[at + 2] & 0xFFL) << 16)
              | ((body[at + 3] & 0xFFL) << 8)
              | (body[at + 4] & 0xFFL);
      if (body[at] != 0 || length > MAX_MESSAGE_BYTES) {
        return new Reading(messages, true, false);
      }
      if (body.length - at - 5 < length) {
        return new Reading(messages, false, false);
      }
      messages.add(hex(body, at + 5, (int) length));
      at += 5 + (int) length;
    }
    return new Reading(messages, false, at == body.length);
  }

  private static Reading readInBuffers(byte[] body, List<Integer> cuts) {
    GrpcFrameReader reader = new GrpcFrameReader(MAX_MESSAGE_BYTES);
    List<String> messages = new ArrayList<>();
    int from = 0;
    for (int to : cuts) {
      byte[] buffer = java.util.Arrays.copyOfRange(body, from, to);
      from = to;
      try {
        reader.feed(
            DefaultDataBufferFactory.sharedInstance.wrap(buffer),
            message -> {
              assertThat(message.length).isLessThanOrEqualTo(MAX_MESSAGE_BYTES);
              messages.add(hex(message, 0, message.length));
            });
      } catch (GrpcFrameReader.FrameException refused) {
        // the guard reads nothing more of this body
        return new Reading(messages, true, false);
      }
    }
    return new Reading(messages, false, reader.atBoundary());
  }

  /**
   * Where the body is cut: {@code size} 0 for one buffer, a positive size for equal buffers, -1 for
   * sizes taken from the body's own bytes (so they change as the fuzzer changes it).
   */
  private static List<Integer> cuts(byte[] body, int size) {
    List<Integer> cuts = new ArrayList<>();
    int at = 0;
    int i = 0;
    while (at < body.length) {
      int step = size > 0 ? size : size == 0 ? body.length : 1 + (body[i++ % body.length] & 0x3F);
      at = Math.min(body.length, at + step);
      cuts.add(at);
    }
    return cuts;
  }

  private static String hex(byte[] bytes, int from, int length) {
    return java.util.HexFormat.of().formatHex(bytes, from, from + length);
  }
}
