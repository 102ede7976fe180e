package org.alliedexchange.containers;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The operator controls `allied demo` uses to cut a nation's hotline (`POST
 * /hotline/KOR/stop|start` with the state file's bearer token), as `allied up` serves them, here
 * stopping and starting the node's container: the same container comes back with its database, at a
 * new address the gateway finds within seconds. It answers a start once the node has started again.
 * 127.0.0.1 only.
 */
final class HotlineControl implements AutoCloseable {

  private static final Pattern HOTLINE = Pattern.compile("/hotline/([A-Z]{3})/(stop|start)");
  private static final Pattern STARTED = Pattern.compile("Started HotlineServiceApplication in ");

  private final ContainerFederation federation;
  private final HttpServer server;
  private final String token;

  HotlineControl(ContainerFederation federation) throws IOException {
    this.federation = federation;
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "allied-it-hotline-control");
              thread.setDaemon(true);
              return thread;
            }));
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            handle(exchange);
          }
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  String token() {
    return token;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String given = exchange.getRequestHeaders().getFirst("Authorization");
    if (given == null
        || !MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8),
            ("Bearer " + token).getBytes(StandardCharsets.UTF_8))) {
      answer(exchange, 401, "a bearer token from the state file is required");
      return;
    }
    Matcher matcher = HOTLINE.matcher(exchange.getRequestURI().getPath());
    GenericContainer<?> node = matcher.matches() ? federation.hotline(matcher.group(1)) : null;
    if (!exchange.getRequestMethod().equals("POST") || node == null) {
      answer(exchange, 404, "POST /hotline/<NATION>/stop or /start");
      return;
    }
    try {
      var docker = DockerClientFactory.instance().client();
      if (matcher.group(2).equals("stop")) {
        docker.stopContainerCmd(node.getContainerId()).withTimeout(10).exec();
      } else {
        // what this run logs only (whether the engine keeps earlier runs' log or not)
        int since = (int) (System.currentTimeMillis() / 1000);
        docker.startContainerCmd(node.getContainerId()).exec();
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> STARTED.matcher(logSince(node.getContainerId(), since)).find());
      }
      answer(exchange, 200, "hotline node " + matcher.group(1) + " " + matcher.group(2));
    } catch (RuntimeException e) {
      answer(exchange, 500, "hotline node " + matcher.group(1) + ": " + e.getMessage());
    }
  }

  private static String logSince(String containerId, int since) throws InterruptedException {
    StringBuilder log = new StringBuilder();
    DockerClientFactory.instance()
        .client()
        .logContainerCmd(containerId)
        .withStdOut(true)
        .withStdErr(true)
        .withSince(since)
        .exec(
            new ResultCallback.Adapter<Frame>() {
              @Override
              public void onNext(Frame frame) {
                log.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
              }
            })
        .awaitCompletion(10, TimeUnit.SECONDS);
    return log.toString();
  }

  private static void answer(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
