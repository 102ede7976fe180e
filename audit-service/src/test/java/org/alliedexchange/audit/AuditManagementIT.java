package org.alliedexchange.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.RedisConnections;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.params.XAddParams;

/**
 * What an operator watches of the audit service on its management port: readiness, and ingestion's
 * write latency, lag and dead letters in the Prometheus scrape.
 */
class AuditManagementIT {

  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  static void start() throws Exception {
    DeadLetterIT.start();
  }

  @AfterAll
  static void stop() {
    DeadLetterIT.stop();
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double value(String scrape, String name) {
    return scrape
        .lines()
        .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
        .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no sample " + name + " in the scrape"));
  }

  @Test
  void readinessAndIngestionsLatencyLagAndDeadLettersAreServed() throws Exception {
    String stream = "allied:audit:" + UUID.randomUUID();
    AuditEvent good = DeadLetterIT.transfer("KOR", "JPN");
    AuditEvent deep = DeadLetterIT.transfer("KOR", "USA");
    try (var client = RedisConnections.connect(DeadLetterIT.redis.url(), Duration.ofSeconds(2))) {
      client.xadd(
          stream.getBytes(StandardCharsets.UTF_8),
          XAddParams.xAddParams(),
          Map.of(
              AuditStream.TYPE_FIELD.getBytes(StandardCharsets.UTF_8),
              AuditStream.BATCH_TYPE.getBytes(StandardCharsets.UTF_8),
              AuditStream.EVENTS_FIELD.getBytes(StandardCharsets.UTF_8),
              DeadLetterIT.batch(List.of(good.toByteArray(), DeadLetterIT.tooDeep(deep)))));
    }
    Map<String, Object> properties = DeadLetterIT.properties(stream);
    properties.put("management.server.port", "0");
    try (AuditServiceApplication.Running service = AuditServiceApplication.start(properties)) {
      DataSource data = service.context().getBean(DataSource.class);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  DeadLetterIT.count(
                          data,
                          "SELECT count(*) FROM audit_record WHERE event_id IN "
                              + DeadLetterIT.in(good))
                      == 1);
      int port = service.managementPort();
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                HttpResponse<String> readiness = get(port, "/actuator/health/readiness");
                assertThat(readiness.statusCode()).isEqualTo(200);
                assertThat(readiness.body()).contains("\"db\":{\"status\":\"UP\"}");
              });
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                String scrape = get(port, "/actuator/prometheus").body();
                assertThat(value(scrape, "allied_audit_dead_letters_total")).isEqualTo(1.0);
                assertThat(value(scrape, "allied_audit_dead_letters_unreviewed")).isEqualTo(1.0);
                assertThat(value(scrape, "allied_audit_log_write_seconds_count"))
                    .isGreaterThanOrEqualTo(1.0);
                assertThat(scrape).contains("allied_audit_log_write_seconds_bucket{");
                // everything read is stored: no lag
                assertThat(value(scrape, "allied_audit_lag_seconds")).isZero();
              });
      assertThat(get(port, "/actuator/env").statusCode()).isEqualTo(404);
    }
  }
}
