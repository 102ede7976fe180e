package org.alliedexchange.exchange;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.alliedexchange.devservers.FederationCertificates;
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
  void aReplicatedAuditWithNoReplicaOrAnUnknownModeIsRefusedNamingTheKey() throws Exception {
    Map<String, Object> noReplica = valid(Files.createTempDirectory("allied-startup-"));
    noReplica.put("allied.exchange.audit-durability.mode", "replicated");
    noReplica.put("allied.exchange.audit-durability.replicas", "0");

    assertThatThrownBy(() -> ExchangeServiceApplication.start(noReplica, null))
        .hasStackTraceContaining(
            "allied.exchange.audit-durability.replicas: the replicated mode needs at least 1"
                + " replica to acknowledge, not 0");

    Map<String, Object> unknown = valid(Files.createTempDirectory("allied-startup-"));
    unknown.put("allied.exchange.audit-durability.mode", "sometimes");

    assertThatThrownBy(() -> ExchangeServiceApplication.start(unknown, null))
        .hasStackTraceContaining("allied.exchange.audit-durability.mode");
  }

  @Test
  void anAuditStreamKeyThatIsNotAPlainRedisKeyIsRefusedNamingTheKey() throws Exception {
    Map<String, Object> properties = valid(Files.createTempDirectory("allied-startup-"));
    properties.put("allied.exchange.audit-stream", "allied:audit\r\nFLUSHALL");

    assertThatThrownBy(() -> ExchangeServiceApplication.start(properties, null))
        .hasStackTraceContaining("allied.exchange.auditStream")
        .hasStackTraceContaining("must be a Redis key of letters, digits and :._-");
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

  @Test
  void noCertificateIsRefusedNamingTheKeyAndThePlaintextOptOut() throws Exception {
    Map<String, Object> properties = valid(Files.createTempDirectory("allied-startup-"));

    assertThatThrownBy(() -> ExchangeServiceApplication.start(properties, null))
        .hasStackTraceContaining("allied.exchange.tls.certificate is required")
        .hasStackTraceContaining("allied.exchange.tls.insecure-plaintext=true");
  }

  @Test
  void aMissingKeyFileOrAKeyOfAnotherCertificateIsRefusedNamingTheKey() throws Exception {
    Path dir = Files.createTempDirectory("allied-startup-");
    FederationCertificates pki = FederationCertificates.openOrCreate(dir.resolve("pki"));
    FederationCertificates.Issued kor =
        pki.issue("exchange-kor", FederationCertificates.Use.SERVER);
    FederationCertificates.Issued other =
        pki.issue("exchange-jpn", FederationCertificates.Use.SERVER);

    Map<String, Object> missing = valid(dir);
    ExchangeServiceApplication.addTls(
        missing, kor.certificate(), dir.resolve("no-such-key.pem"), kor.authority());
    assertThatThrownBy(() -> ExchangeServiceApplication.start(missing, null))
        .hasStackTraceContaining("allied.exchange.tls.private-key: cannot read")
        .hasStackTraceContaining("no-such-key.pem");

    Map<String, Object> mismatched = valid(dir);
    ExchangeServiceApplication.addTls(
        mismatched, kor.certificate(), other.privateKey(), kor.authority());
    assertThatThrownBy(() -> ExchangeServiceApplication.start(mismatched, null))
        .hasStackTraceContaining("allied.exchange.tls.private-key: the key in")
        .hasStackTraceContaining("does not belong to the certificate of CN=exchange-kor");

    Map<String, Object> notACertificate = valid(dir);
    ExchangeServiceApplication.addTls(
        notACertificate, kor.certificate(), kor.privateKey(), kor.privateKey());
    assertThatThrownBy(() -> ExchangeServiceApplication.start(notACertificate, null))
        .hasStackTraceContaining("allied.exchange.tls.client-authority:");
  }
}
