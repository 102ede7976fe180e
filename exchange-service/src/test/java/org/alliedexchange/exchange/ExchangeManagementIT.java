package org.alliedexchange.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exchange service's management port as a platform and an operator use it, and its spans
 * reaching an OTLP collector when one is configured.
 */
class ExchangeManagementIT {

  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final List<String> traceRequests = new CopyOnWriteArrayList<>();
  static HttpServer collector;
  static LocalPostgres postgres;
  static ExchangeServiceApplication.Running kor;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    var data = Files.createTempDirectory("allied-exchange-management-");
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          traceRequests.add(exchange.getRequestURI().getPath());
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    collector.start();
    ExchangeServiceIT.redis = LocalRedis.start(data.resolve("redis"));
    ExchangeServiceIT.tokens = new TestTokens();
    postgres = LocalPostgres.start(data.resolve("kor").resolve("postgres"));
    Map<String, Object> properties =
        ExchangeServiceIT.properties("KOR", data.resolve("kor"), postgres.url());
    properties.put("management.server.port", "0");
    properties.put(
        "otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.getAddress().getPort());
    kor = ExchangeServiceApplication.start(properties, null);
    channel = TestPki.shared().asGateway(kor.port());
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    kor.close();
    postgres.close();
    ExchangeServiceIT.tokens.close();
    ExchangeServiceIT.redis.close();
    collector.stop(0);
  }

  static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + kor.managementPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readinessIsDownWhileRedisIsDownAndUpOnceItIsBackWhileLivenessStaysUp() throws Exception {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              HttpResponse<String> readiness = get("/actuator/health/readiness");
              assertThat(readiness.statusCode()).isEqualTo(200);
              assertThat(readiness.body())
                  .contains("\"redis\":{\"status\":\"UP\"}")
                  .contains("\"db\":{\"status\":\"UP\"}")
                  .contains("\"realmKeys\":{\"status\":\"UP\"}");
            });
    ExchangeServiceIT.redis.stop();
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                HttpResponse<String> readiness = get("/actuator/health/readiness");
                assertThat(readiness.statusCode()).isEqualTo(503);
                assertThat(readiness.body()).contains("\"redis\":{\"status\":\"DOWN\"}");
              });
      assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    } finally {
      ExchangeServiceIT.redis.restart();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200));
  }

  @Test
  void prometheusCountsCallsByMethodAndStatusRefusalsIncluded() throws Exception {
    assertThatThrownBy(
            () ->
                ExchangeServiceGrpc.newBlockingStub(channel)
                    .get(GetRequest.newBuilder().setProductId("none").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

    HttpResponse<String> scrape = get("/actuator/prometheus");
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    assertThat(
            scrape
                .body()
                .lines()
                .filter(line -> line.startsWith("allied_grpc_calls_total{"))
                .filter(line -> line.contains("method=\"allied.exchange.v1.ExchangeService/Get\""))
                .filter(line -> line.contains("status=\"UNAUTHENTICATED\""))
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))))
        .singleElement()
        .satisfies(count -> assertThat(count).isGreaterThanOrEqualTo(1.0));
    assertThat(scrape.body())
        .contains("allied_grpc_open_streams")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void onlyTheProbesAndPrometheusAreServed() throws Exception {
    for (String path : List.of("/actuator/env", "/actuator", "/actuator/health/../env", "/")) {
      assertThat(get(path).statusCode()).as(path).isEqualTo(404);
    }
  }

  @Test
  void spansReachTheConfiguredOtlpCollector() {
    try {
      ExchangeServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(TestTokens.bearer(ExchangeServiceIT.jpnReader()))
          .get(
              GetRequest.newBuilder().setProductId("00000000-0000-0000-0000-000000000000").build());
    } catch (StatusRuntimeException expected) {
      // whatever the answer, the call made a server span
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(traceRequests).contains("/v1/traces"));
  }
}
