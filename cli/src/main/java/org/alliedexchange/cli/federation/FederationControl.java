package org.alliedexchange.cli.federation;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The running federation's operator controls, for `allied demo` in another process: stop and start
 * one nation's hotline node ({@code POST /hotline/KOR/stop|start}). It listens on 127.0.0.1 only
 * and answers only the bearer token written to the state file, which only this OS user can read.
 */
final class FederationControl implements AutoCloseable {

  private static final Pattern HOTLINE = Pattern.compile("/hotline/([A-Z]{3})/(stop|start)");

  private final HttpServer server;
  private final String token;

  private FederationControl(HttpServer server, String token) {
    this.server = server;
    this.token = token;
  }

  static FederationControl start(HotlineNodes hotline) throws IOException {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "allied-federation-control");
              thread.setDaemon(true);
              return thread;
            }));
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            handle(exchange, token, hotline);
          }
        });
    server.start();
    return new FederationControl(server, token);
  }

  private static void handle(HttpExchange exchange, String token, HotlineNodes hotline)
      throws IOException {
    String given = exchange.getRequestHeaders().getFirst("Authorization");
    if (given == null
        || !MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8),
            ("Bearer " + token).getBytes(StandardCharsets.UTF_8))) {
      answer(exchange, 401, "a bearer token from the state file is required");
      return;
    }
    Matcher matcher = HOTLINE.matcher(exchange.getRequestURI().getPath());
    if (!exchange.getRequestMethod().equals("POST") || !matcher.matches()) {
      answer(exchange, 404, "POST /hotline/<NATION>/stop or /start");
      return;
    }
    String nation = matcher.group(1);
    try {
      boolean changed =
          matcher.group(2).equals("stop") ? hotline.stop(nation) : hotline.start(nation);
      answer(
          exchange,
          200,
          "hotline node "
              + nation
              + (hotline.isRunning(nation) ? " running" : " stopped")
              + (changed ? "" : " (it already was)"));
    } catch (IllegalArgumentException e) {
      answer(exchange, 404, e.getMessage());
    } catch (RuntimeException e) {
      answer(exchange, 500, "hotline node " + nation + ": " + e.getMessage());
    }
  }

  private static void answer(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  String token() {
    return token;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
