package org.alliedexchange.devservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for local servers and a local federation's services, picked before each binds its
 * own, seconds later (Keycloak tens of seconds later, after its build). A port the kernel gives for
 * {@code bind(0)} comes from its range for outgoing connections, so any process's outgoing
 * connection can take it in the meantime: the gateway was seen failing to start that way. These
 * come from below that range, are free when picked, and are never handed out twice by one process.
 */
public final class LoopbackPorts {

  private static final int LOWEST = 10_000;
  private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  // Linux's default start of the range; macOS and Windows start higher (49152)
  private static final int DEFAULT_RANGE_START = 32_768;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private LoopbackPorts() {}

  /** A loopback port free now, below the outgoing range where there is room, never given before. */
  public static int free() {
    int rangeStart = outgoingRangeStart(RANGE);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; rangeStart - LOWEST >= 1_000 && attempt < 200; attempt++) {
      int port = random.nextInt(LOWEST, rangeStart);
      if (!HANDED_OUT.contains(port) && bindable(port) && HANDED_OUT.add(port)) {
        return port;
      }
    }
    // no room below the range, or nothing free there: the kernel's pick
    while (true) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (HANDED_OUT.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("no free port on the loopback address", e);
      }
    }
  }

  /** Where the kernel's range for outgoing connections starts, as the file says, or the default. */
  static int outgoingRangeStart(Path rangeFile) {
    // read as a stream: Files.readString trusts the size a /proc file reports (0), and gives "3"
    try (var in = Files.newBufferedReader(rangeFile)) {
      return Integer.parseInt(in.readLine().trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return DEFAULT_RANGE_START;
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
