package org.alliedexchange.devservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * A Redis server for the local run and the tests: the machine's {@code redis-server} when it has
 * one, else the binary from Maven Central (embedded-redis). Bound to 127.0.0.1. The stream is kept
 * durably: append-only file with fsync on every write, so an entry Redis acknowledged survives a
 * crash.
 */
public final class LocalRedis implements AutoCloseable {

  private final RedisServer server;
  private final int port;
  private final Path dataDir;

  private LocalRedis(RedisServer server, int port, Path dataDir) {
    this.server = server;
    this.port = port;
    this.dataDir = dataDir;
  }

  /** Starts one on a free port with its data in {@code dataDir} (created if missing). */
  public static LocalRedis start(Path dataDir) {
    return start(dataDir, freePort());
  }

  /** Starts one on {@code port} (0 for a free one) with its data in {@code dataDir}. */
  public static LocalRedis start(Path dataDir, int port) {
    int chosen = port == 0 ? freePort() : port;
    try {
      Files.createDirectories(dataDir);
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--port", Integer.toString(chosen),
                  "--bind", "127.0.0.1",
                  "--protected-mode", "yes",
                  "--dir", dataDir.toAbsolutePath().toString(),
                  "--appendonly", "yes",
                  "--appendfsync", "always",
                  "--save", ""));
      RedisServer server = new RedisServer(chosen, withExecutable(args), false);
      server.start();
      return new LocalRedis(server, chosen, dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not start Redis on 127.0.0.1:" + chosen + ": " + e.getMessage(), e);
    }
  }

  /** The executable first (the system's, else the embedded one), then the arguments. */
  private static List<String> withExecutable(List<String> args) throws IOException {
    Path system = systemRedisServer();
    String executable =
        system != null
            ? system.toString()
            : ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
    List<String> command = new ArrayList<>();
    command.add(executable);
    command.addAll(args);
    return command;
  }

  private static Path systemRedisServer() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/local/bin").split(":")) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  public int port() {
    return port;
  }

  public URI url() {
    return URI.create("redis://127.0.0.1:" + port);
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Stops the server (the append-only file stays in the data directory). */
  public void stop() {
    try {
      server.stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    stop();
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }
}
