package org.alliedexchange.serviceruntime;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import org.alliedexchange.accesstoken.TokenValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A backend's management port ({@code management.server.port}, bound to {@code
 * management.server.address}, 127.0.0.1 unless deliberately opened): the Spring Boot actuator's
 * probe and metrics paths, and nothing else. {@code /actuator/health/liveness} is UP while the
 * process runs; {@code /actuator/health/readiness} is UP only while every check answers (503
 * otherwise); {@code /actuator/prometheus} is the registry's scrape. The backends run no web
 * application context (their gRPC server is their own), so this small server stands in for the
 * actuator's, with the same paths and JSON.
 */
public final class ManagementServer implements SmartLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(3);
  private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** A dependency readiness waits on: UP when {@code up} returns true within 3 s. */
  public record Check(String name, Callable<Boolean> up) {}

  /**
   * What a backend is ready with: its gRPC server listens, its Redis answers PING ({@code
   * redisPing}), its PostgreSQL gives a valid connection, and the realm's keys are at hand.
   */
  public static List<Check> storesAndKeys(
      GrpcServer grpc, Callable<String> redisPing, DataSource database, TokenValidator tokens) {
    return List.of(
        new Check("grpcServer", grpc::isRunning),
        new Check("redis", () -> "PONG".equalsIgnoreCase(redisPing.call())),
        new Check(
            "db",
            () -> {
              try (Connection connection = database.getConnection()) {
                return connection.isValid(2);
              }
            }),
        new Check("realmKeys", tokens::keysAvailable));
  }

  /** A registry for a backend's meters, with the JVM's own (memory, threads, CPU, uptime). */
  public static PrometheusMeterRegistry registry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }

  private final String name;
  private final String address;
  private final int port;
  private final PrometheusMeterRegistry registry;
  private final List<Check> readiness;
  private volatile DisposableServer server;
  private volatile boolean running;

  /**
   * @param port the port; 0 for a free one, -1 for none (the server is off)
   * @param address the address it binds
   */
  public ManagementServer(
      String name,
      String address,
      int port,
      PrometheusMeterRegistry registry,
      List<Check> readiness) {
    if (port < -1 || port > 65535) {
      throw new IllegalArgumentException(
          "management.server.port: " + port + " is not a port (0 for any, -1 for none)");
    }
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("management.server.address: must name an address");
    }
    this.name = name;
    this.address = address;
    this.port = port;
    this.registry = registry;
    this.readiness = List.copyOf(readiness);
  }

  @Override
  public void start() {
    running = true;
    if (port < 0) {
      return;
    }
    try {
      server =
          HttpServer.create()
              .host(address)
              .port(port)
              .route(
                  routes ->
                      routes
                          .get(
                              "/actuator/health/liveness",
                              (request, response) -> json(response, 200, "{\"status\":\"UP\"}"))
                          .get(
                              "/actuator/health/readiness",
                              (request, response) ->
                                  readiness()
                                      .flatMap(body -> json(response, body.status, body.json)))
                          .get(
                              "/actuator/prometheus",
                              (request, response) ->
                                  Mono.fromCallable(registry::scrape)
                                      .subscribeOn(Schedulers.boundedElastic())
                                      .flatMap(
                                          text ->
                                              response
                                                  .header("Content-Type", PROMETHEUS_TYPE)
                                                  .sendString(Mono.just(text))
                                                  .then())))
              .bindNow(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "management.server.port: cannot listen on "
              + address
              + ":"
              + port
              + ": "
              + e.getMessage(),
          e);
    }
    LOG.info("{} management (health, prometheus) on {}:{}", name, address, server.port());
  }

  /** The port it listens on; -1 when off. */
  public int port() {
    DisposableServer current = server;
    return current == null ? -1 : current.port();
  }

  private record Answer(int status, String json) {}

  private Mono<Answer> readiness() {
    return Flux.fromIterable(readiness)
        .flatMapSequential(
            check ->
                Mono.fromCallable(check.up())
                    .subscribeOn(Schedulers.boundedElastic())
                    .timeout(CHECK_TIMEOUT)
                    .onErrorReturn(false)
                    .map(up -> Map.entry(check.name(), up)))
        .collectList()
        .map(
            results -> {
              Map<String, Boolean> byName = new LinkedHashMap<>();
              results.forEach(result -> byName.put(result.getKey(), result.getValue()));
              boolean up = !byName.containsValue(false);
              StringBuilder json =
                  new StringBuilder("{\"status\":\"").append(up ? "UP" : "DOWN").append("\"");
              if (!byName.isEmpty()) {
                json.append(",\"components\":{");
                String separator = "";
                for (var entry : byName.entrySet()) {
                  json.append(separator)
                      .append('"')
                      .append(entry.getKey())
                      .append("\":{\"status\":\"")
                      .append(entry.getValue() ? "UP" : "DOWN")
                      .append("\"}");
                  separator = ",";
                }
                json.append('}');
              }
              return new Answer(up ? 200 : 503, json.append('}').toString());
            });
  }

  private static Mono<Void> json(HttpServerResponse response, int status, String body) {
    return response
        .status(status)
        .header("Content-Type", "application/json")
        .sendByteArray(Mono.just(body.getBytes(StandardCharsets.UTF_8)))
        .then();
  }

  @Override
  public void stop() {
    running = false;
    DisposableServer current = server;
    if (current != null) {
      current.disposeNow(Duration.ofSeconds(5));
      server = null;
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
