package org.alliedexchange.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

/**
 * Messages split and joined across buffers come out whole; compressed or oversized ones are
 * refused.
 */
class GrpcFrameReaderTest {

  private static byte[] frame(int flag, byte[] message) {
    byte[] out = new byte[message.length + 5];
    out[0] = (byte) flag;
    out[1] = (byte) (message.length >>> 24);
    out[2] = (byte) (message.length >>> 16);
    out[3] = (byte) (message.length >>> 8);
    out[4] = (byte) message.length;
    System.arraycopy(message, 0, out, 5, message.length);
    return out;
  }

  @Test
  void messagesSplitAcrossBuffersAtEveryPointComeOutWhole() throws Exception {
    byte[] first = "first message".getBytes();
    byte[] second = new byte[300];
    byte[] stream = new byte[first.length + second.length + 10];
    System.arraycopy(frame(0, first), 0, stream, 0, first.length + 5);
    System.arraycopy(frame(0, second), 0, stream, first.length + 5, second.length + 5);
    for (int cut = 0; cut <= stream.length; cut++) {
      GrpcFrameReader reader = new GrpcFrameReader(1024);
      List<byte[]> out = new ArrayList<>();
      reader.feed(
          DefaultDataBufferFactory.sharedInstance.wrap(
              java.util.Arrays.copyOfRange(stream, 0, cut)),
          out::add);
      reader.feed(
          DefaultDataBufferFactory.sharedInstance.wrap(
              java.util.Arrays.copyOfRange(stream, cut, stream.length)),
          out::add);
      assertThat(out).as("cut at " + cut).containsExactly(first, second);
      assertThat(reader.atBoundary()).isTrue();
    }
  }

  @Test
  void aCompressedMessageIsRefused() {
    GrpcFrameReader reader = new GrpcFrameReader(1024);
    assertThatThrownBy(
            () ->
                reader.feed(
                    DefaultDataBufferFactory.sharedInstance.wrap(frame(1, new byte[10])), m -> {}))
        .isInstanceOf(GrpcFrameReader.FrameException.class)
        .hasMessageContaining("compressed");
  }

  @Test
  void anOversizedMessageIsRefusedBeforeItIsBuffered() {
    GrpcFrameReader reader = new GrpcFrameReader(100);
    assertThatThrownBy(
            () ->
                reader.feed(
                    DefaultDataBufferFactory.sharedInstance.wrap(new byte[] {0, 0x7f, 0, 0, 0}),
                    m -> {}))
        .isInstanceOf(GrpcFrameReader.FrameException.class)
        .hasMessageContaining("exceeds");
  }
}
