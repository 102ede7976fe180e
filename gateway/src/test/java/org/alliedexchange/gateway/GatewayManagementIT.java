package org.alliedexchange.gateway;

import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's management port as a platform and an operator use it: the probes, the Prometheus
 * scrape after guarded calls, nothing else exposed, loopback by default; and its spans reaching an
 * OTLP collector when one is configured.
 */
class GatewayManagementIT {

  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static HttpServer collector;
  static final List<String> traceRequests = new CopyOnWriteArrayList<>();
  static GatewayFixture fixture;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    // a tiny OTLP/HTTP collector: it takes what it is sent and answers 200
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          traceRequests.add(exchange.getRequestURI().getPath() + " " + body.length);
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    collector.start();
    fixture =
        new GatewayFixture(
            Map.of(
                "management.server.port",
                "0",
                "otel.exporter.otlp.endpoint",
                "http://127.0.0.1:" + collector.getAddress().getPort()));
    channel = fixture.channel();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    fixture.close();
    collector.stop(0);
  }

  static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static int management() {
    return fixture.gateway.managementPort();
  }

  @Test
  void readinessIsDownWhileRedisIsDownAndUpOnceItIsBackWhileLivenessStaysUp() throws Exception {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(get(management(), "/actuator/health/readiness").statusCode())
                    .isEqualTo(200));
    fixture.redis.stop();
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                HttpResponse<String> readiness = get(management(), "/actuator/health/readiness");
                assertThat(readiness.statusCode()).isEqualTo(503);
                assertThat(readiness.body()).contains("\"status\":\"DOWN\"").contains("redis");
              });
      HttpResponse<String> liveness = get(management(), "/actuator/health/liveness");
      assertThat(liveness.statusCode()).isEqualTo(200);
      assertThat(liveness.body()).contains("\"status\":\"UP\"");
    } finally {
      fixture.redis.restart();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(get(management(), "/actuator/health/readiness").statusCode())
                    .isEqualTo(200));
  }

  @Test
  void prometheusCountsAGuardedCallByMethodAndStatusAndTheDecisionByReason() throws Exception {
    String id = GatewayFixture.newId();
    fixture.kor.script(
        "Get",
        List.of(
            fixture.getResponse(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", List.of("KOR", "USA"))
                    .build(),
                id)));
    // another test of this class stops and restarts the Redis: until the gateway's connections
    // to it are back, a call is refused UNAVAILABLE (fail closed), so the call is tried again
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThatThrownBy(
                        () ->
                            fixture
                                .stub(
                                    channel,
                                    "KOR",
                                    fixture.reader("JPN", "TOP_SECRET", List.of("MISSILE_WARNING")))
                                .get(GetRequest.newBuilder().setProductId(id).build()))
                    .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e ->
                            assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.PERMISSION_DENIED)));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              HttpResponse<String> scrape = get(management(), "/actuator/prometheus");
              assertThat(scrape.statusCode()).isEqualTo(200);
              assertThat(
                      value(
                          scrape.body(),
                          "allied_grpc_calls_total",
                          "method=\"allied.exchange.v1.ExchangeService/Get\"",
                          "status=\"PERMISSION_DENIED\""))
                  .isGreaterThanOrEqualTo(1);
              assertThat(
                      value(
                          scrape.body(),
                          "allied_guard_decisions_total",
                          "decision=\"withheld\"",
                          "reason=\"NOT_RELEASABLE_TO_NATION\""))
                  .isGreaterThanOrEqualTo(1);
              // pre-registered: a status no call ended with is there, at zero
              assertThat(
                      value(
                          scrape.body(),
                          "allied_grpc_calls_total",
                          "method=\"allied.exchange.v1.ExchangeService/Get\"",
                          "status=\"DATA_LOSS\""))
                  .isZero();
              assertThat(scrape.body()).contains("allied_grpc_open_streams");
            });
  }

  /** The value of the sample of {@code name} whose labels include every one of {@code labels}. */
  static double value(String scrape, String name, String... labels) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{") && List.of(labels).stream().allMatch(line::contains)) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no sample " + name + " " + List.of(labels) + " in the scrape");
  }

  @Test
  void onlyTheProbesAndPrometheusAreExposedAndNothingOnTheNationalPort() throws Exception {
    for (String path :
        List.of(
            "/actuator/env",
            "/actuator",
            "/actuator/beans",
            "/actuator/metrics",
            "/actuator/configprops")) {
      assertThat(get(management(), path).statusCode()).as(path).isEqualTo(404);
    }
    assertThat(get(management(), "/actuator/health/liveness").statusCode()).isEqualTo(200);
    // the national systems' port serves no actuator at all
    assertThat(get(fixture.gateway.port(), "/actuator/health").statusCode()).isNotEqualTo(200);
    assertThat(get(fixture.gateway.port(), "/actuator/prometheus").statusCode()).isNotEqualTo(200);
  }

  @Test
  void theManagementPortListensOnLoopbackOnlyByDefault() throws Exception {
    assertThat(fixture.gateway.context().getEnvironment().getProperty("management.server.address"))
        .isEqualTo("127.0.0.1");
    List<InetAddress> others =
        Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
            .flatMap(nic -> Collections.list(nic.getInetAddresses()).stream())
            .filter(address -> !address.isLoopbackAddress() && !address.isLinkLocalAddress())
            .toList();
    for (InetAddress address : others) {
      assertThatThrownBy(
              () -> {
                try (Socket socket = new Socket()) {
                  socket.connect(new InetSocketAddress(address, management()), 1_000);
                }
              })
          .as("management port reachable on " + address)
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void spansReachTheConfiguredOtlpCollector() {
    fixture.kor.script("Get", List.of());
    try {
      fixture
          .stub(channel, "KOR", fixture.reader("KOR", "TOP_SECRET", List.of("MISSILE_WARNING")))
          .get(GetRequest.newBuilder().setProductId(GatewayFixture.newId()).build());
    } catch (StatusRuntimeException expected) {
      // whatever the answer, the call made a span
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(traceRequests).anyMatch(r -> r.startsWith("/v1/traces ")));
  }
}
