package org.alliedexchange.exchange;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.alliedexchange.devservers.LocalPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A wrong configuration stops the service at start-up with a message naming the key. */
class StartupValidationIT {

  static LocalPostgres postgres;

  @BeforeAll
  static void start() throws Exception {
    postgres = LocalPostgres.start(Files.createTempDirectory("allied-startup-pg-"));
  }

  @AfterAll
  static void stop() {
    postgres.close();
  }

  private static Map<String, Object> valid(Path dir) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("allied.exchange.nation", "KOR");
    properties.put("allied.exchange.data-dir", dir.toString());
    properties.put("allied.exchange.auth.issuer", "http://127.0.0.1:1/realms/allied");
    properties.put("allied.exchange.audit-redis", "redis://127.0.0.1:1");
    properties.put("allied.exchange.database.url", postgres.url());
    return properties;
  }

  @Test
  void aMissingDatabaseIsRefusedNamingTheKey() throws Exception {
    Map<String, Object> properties = valid(Files.createTempDirectory("allied-startup-"));
    properties.remove("allied.exchange.database.url");

    assertThatThrownBy(() -> ExchangeServiceApplication.start(properties, null))
        .hasStackTraceContaining("allied.exchange.database.url")
        .hasStackTraceContaining("must name the PostgreSQL");
  }

  @Test
  void anUnknownNationIsRefusedNamingTheKey() throws Exception {
    Map<String, Object> properties = valid(Files.createTempDirectory("allied-startup-"));
    properties.put("allied.exchange.nation", "GBR");

    assertThatThrownBy(() -> ExchangeServiceApplication.start(properties, null))
        .hasStackTraceContaining(
            "allied.exchange.nation: GBR is not a nation of the federation configuration [KOR, JPN, USA]");
  }

  @Test
  void aMalformedNationOrAMissingIssuerIsRefusedNamingTheKey() throws Exception {
    Map<String, Object> badNation = valid(Files.createTempDirectory("allied-startup-"));
    badNation.put("allied.exchange.nation", "Korea");
    assertThatThrownBy(() -> ExchangeServiceApplication.start(badNation, null))
        .hasStackTraceContaining("allied.exchange.nation")
        .hasStackTraceContaining("must be an ISO 3166-1 alpha-3 code such as KOR");

    Map<String, Object> noIssuer = valid(Files.createTempDirectory("allied-startup-"));
    noIssuer.remove("allied.exchange.auth.issuer");
    assertThatThrownBy(() -> ExchangeServiceApplication.start(noIssuer, null))
        .hasStackTraceContaining("allied.exchange.auth");
  }

  @Test
  void aClockSkewAboveThirtySecondsIsRefused() throws Exception {
    Map<String, Object> properties = valid(Files.createTempDirectory("allied-startup-"));
    properties.put("allied.exchange.auth.clock-skew", "5m");

    assertThatThrownBy(() -> ExchangeServiceApplication.start(properties, null))
        .hasStackTraceContaining("allied.exchange.auth.clockSkew")
        .hasStackTraceContaining("must be between 0 and 30s");
  }
}
