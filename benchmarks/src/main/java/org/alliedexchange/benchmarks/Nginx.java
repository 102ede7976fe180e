package org.alliedexchange.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** nginx proxying gRPC to the backend, when nginx is installed (Debian: nginx-light). */
final class Nginx implements AutoCloseable {
  final Process process;
  final int port;

  private Nginx(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static Nginx start(Path dir, int backendPort) throws Exception {
    Path binary =
        List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/local/sbin/nginx")).stream()
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    if (binary == null) {
      System.out.println(
          "nginx is not installed (apt-get install nginx-light): its row is left out");
      return null;
    }
    Files.createDirectories(dir.resolve("tmp"));
    int port = org.alliedexchange.devservers.LoopbackPorts.free();
    String conf =
        """
        worker_processes auto;
        daemon off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %1$s/tmp;
          proxy_temp_path %1$s/tmp;
          fastcgi_temp_path %1$s/tmp;
          uwsgi_temp_path %1$s/tmp;
          scgi_temp_path %1$s/tmp;
          upstream backend { server 127.0.0.1:%2$d; keepalive 32; }
          server {
            listen 127.0.0.1:%3$d http2;
            location / { grpc_pass grpc://backend; }
          }
        }
        """
            .formatted(dir, backendPort, port);
    Files.writeString(dir.resolve("nginx.conf"), conf);
    Process process =
        new ProcessBuilder(
                binary.toString(), "-c", dir.resolve("nginx.conf").toString(), "-p", dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("out.log").toFile())
            .start();
    long deadline = System.currentTimeMillis() + 5_000;
    while (System.currentTimeMillis() < deadline) {
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
        return new Nginx(process, port);
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException(
        "nginx did not start: " + Files.readString(dir.resolve("out.log")));
  }

  @Override
  public void close() {
    process.destroy();
  }
}
