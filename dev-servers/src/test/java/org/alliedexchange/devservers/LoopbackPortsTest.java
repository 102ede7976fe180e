package org.alliedexchange.devservers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopbackPortsTest {

  @Test
  void portsComeFromBelowTheOutgoingRangeAreFreeAndAreNeverGivenTwice() throws Exception {
    int rangeStart =
        LoopbackPorts.outgoingRangeStart(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      int port = LoopbackPorts.free();
      assertThat(ports.add(port)).as("port %d given twice", port).isTrue();
      assertThat(port).isBetween(10_000, rangeStart - 1);
      try (ServerSocket bound = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        assertThat(bound.getLocalPort()).isEqualTo(port);
      }
    }
  }

  @Test
  void theRangeIsReadFromTheKernelsFileOrTakenAsLinuxsDefault(@TempDir Path dir) throws Exception {
    Path range = dir.resolve("ip_local_port_range");
    Files.writeString(range, "40000\t60999\n");
    assertThat(LoopbackPorts.outgoingRangeStart(range)).isEqualTo(40_000);
    Files.writeString(range, "not a range");
    assertThat(LoopbackPorts.outgoingRangeStart(range)).isEqualTo(32_768);
    assertThat(LoopbackPorts.outgoingRangeStart(dir.resolve("missing"))).isEqualTo(32_768);
  }
}
