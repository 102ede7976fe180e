package org.alliedexchange.serviceruntime;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncodedMessageStreamTest {

  @Test
  void grpcSeesALengthItCanSizeItsBufferByAndDrainsTheBytesInOneWrite() throws IOException {
    byte[] message = new byte[20_000];
    for (int i = 0; i < message.length; i++) {
      message[i] = (byte) (i * 31);
    }
    EncodedMessageStream stream = new EncodedMessageStream(message);
    assertThat(stream).isInstanceOf(KnownLength.class).isInstanceOf(Drainable.class);
    assertThat(stream.available()).isEqualTo(message.length);

    List<Integer> writes = new ArrayList<>();
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    OutputStream counting =
        new OutputStream() {
          @Override
          public void write(int b) {
            writes.add(1);
            sink.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            writes.add(len);
            sink.write(b, off, len);
          }
        };
    assertThat(stream.drainTo(counting)).isEqualTo(message.length);
    assertThat(writes).containsExactly(message.length);
    assertThat(sink.toByteArray()).isEqualTo(message);
    assertThat(stream.available()).isZero();
    assertThat(stream.drainTo(counting)).isZero();
  }

  @Test
  void drainingWhatIsLeftAfterAPartialReadSendsOnlyTheRest() throws IOException {
    EncodedMessageStream stream = new EncodedMessageStream(new byte[] {1, 2, 3, 4, 5});
    assertThat(stream.read()).isEqualTo(1);
    assertThat(stream.available()).isEqualTo(4);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    assertThat(stream.drainTo(sink)).isEqualTo(4);
    assertThat(sink.toByteArray()).containsExactly(2, 3, 4, 5);
  }
}
