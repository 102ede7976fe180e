package org.alliedexchange.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.Test;

/**
 * The exchange service's {@code main} in a JVM of its own, configured by environment variables
 * alone, each the environment form of its key: it becomes ready and answers on the ports they name.
 */
class ExchangeServiceProcessIT {

  /** A key's environment form: upper case, dots and brackets to underscores, dashes dropped. */
  static String environmentForm(String key) {
    return key.replace("-", "")
        .replace("[", "_")
        .replace("]", "_")
        .replace('.', '_')
        .toUpperCase(Locale.ROOT);
  }

  static int freePort() throws Exception {
    return org.alliedexchange.devservers.LoopbackPorts.free();
  }

  @Test
  void mainStartsFromEnvironmentVariablesAloneAndBecomesReady() throws Exception {
    Path data = Files.createTempDirectory("allied-exchange-process-");
    ExchangeServiceIT.redis = LocalRedis.start(data.resolve("redis"));
    ExchangeServiceIT.tokens = new TestTokens();
    Process process = null;
    try (LocalPostgres postgres = LocalPostgres.start(data.resolve("kor").resolve("postgres"))) {
      int grpcPort = freePort();
      int managementPort = freePort();
      Map<String, Object> properties =
          ExchangeServiceIT.properties("KOR", data.resolve("kor"), postgres.url());
      properties.put("allied.exchange.port", Integer.toString(grpcPort));
      properties.put("management.server.port", Integer.toString(managementPort));
      ProcessBuilder builder =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx256m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  ExchangeServiceApplication.class.getName())
              .redirectErrorStream(true)
              .redirectOutput(data.resolve("exchange.log").toFile());
      properties.forEach(
          (key, value) -> builder.environment().put(environmentForm(key), value.toString()));
      assertThat(builder.environment())
          .containsKeys(
              "ALLIED_EXCHANGE_NATION",
              "ALLIED_EXCHANGE_DATADIR",
              "ALLIED_EXCHANGE_DATABASE_URL",
              "ALLIED_EXCHANGE_AUDITREDIS",
              "ALLIED_EXCHANGE_AUTH_ISSUER",
              "ALLIED_EXCHANGE_TLS_PRIVATEKEY",
              "ALLIED_EXCHANGE_TLS_CLIENTAUTHORITY",
              "MANAGEMENT_SERVER_PORT");
      process = builder.start();

      HttpClient http = HttpClient.newHttpClient();
      Process running = process;
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          // nothing listens until the service has started
          .ignoreExceptionsInstanceOf(java.io.IOException.class)
          .untilAsserted(
              () -> {
                assertThat(running.isAlive())
                    .as("the service exited: %s", Files.readString(data.resolve("exchange.log")))
                    .isTrue();
                HttpResponse<String> readiness =
                    http.send(
                        HttpRequest.newBuilder(
                                URI.create(
                                    "http://127.0.0.1:"
                                        + managementPort
                                        + "/actuator/health/readiness"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(readiness.statusCode()).isEqualTo(200);
              });
      ManagedChannel channel = TestPki.shared().asGateway(grpcPort);
      try {
        assertThat(
                HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance())
                    .getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      if (process != null) {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
      ExchangeServiceIT.tokens.close();
      ExchangeServiceIT.redis.close();
    }
  }
}
