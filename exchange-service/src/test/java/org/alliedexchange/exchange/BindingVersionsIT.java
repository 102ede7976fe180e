package org.alliedexchange.exchange;

import static org.alliedexchange.exchange.ExchangeServiceIT.assertStatus;
import static org.alliedexchange.exchange.Products.label;
import static org.alliedexchange.exchange.Products.missileLaunch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.NationalKey;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Binding versions across the migration and amendments, and the exchange service as its own guard:
 * its permits are audited, and it refuses to decide on agreement statuses it cannot read.
 */
class BindingVersionsIT {

  static Path data;
  static LocalPostgres postgres;
  static boolean redisStopped;

  @BeforeAll
  static void start() throws Exception {
    data = Files.createTempDirectory("allied-versions-");
    ExchangeServiceIT.redis = LocalRedis.start(data.resolve("redis"));
    ExchangeServiceIT.tokens = new TestTokens();
    postgres = LocalPostgres.start(data.resolve("kor").resolve("postgres"));
  }

  @AfterAll
  static void stop() {
    postgres.close();
    ExchangeServiceIT.tokens.close();
    if (!redisStopped) {
      ExchangeServiceIT.redis.close();
    }
  }

  @Test
  void aProductStoredBeforeVersionsIsVersionOneAndEveryAmendmentRaisesIt() throws Exception {
    // a product as the service stored it before versions existed: schema V1, no version signed
    Flyway.configure()
        .dataSource(postgres.url(), null, null)
        .locations("classpath:org/alliedexchange/exchange/db/migration")
        .target("1")
        .placeholders(java.util.Map.of("service_role", "CURRENT_USER"))
        .load()
        .migrate();
    Path kor = data.resolve("kor");
    NationalKey key = NationalKey.loadOrCreate(kor.resolve("signing-key.pem"));
    UUID id = UUID.randomUUID();
    SecurityLabel label = label("KOR", "군사II급비밀", "KOR", "JPN");
    ProductContent content =
        missileLaunch("dprk.missile.launch", label).getContent().toBuilder()
            .setId(id.toString())
            .setPublisher("kor-jcs-publisher")
            .build();
    byte[] oldBinding =
        new BindingSigner("KOR", key)
            .sign(label.toByteArray(), content.toByteArray(), Instant.now()).toBuilder()
                .clearVersion()
                .build()
                .toByteArray();
    try (Connection connection = DriverManager.getConnection(postgres.url());
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO product (id, topic, level, observed_at, published_at, publisher, label, content, binding)"
                    + " VALUES (?, 'dprk.missile.launch', 4, now(), now(), 'kor-jcs-publisher', ?, ?, ?)")) {
      insert.setObject(1, id);
      insert.setBytes(2, label.toByteArray());
      insert.setBytes(3, content.toByteArray());
      insert.setBytes(4, oldBinding);
      assertThat(insert.executeUpdate()).isEqualTo(1);
    }

    try (ExchangeServiceApplication.Running service =
        ExchangeServiceApplication.start(
            ExchangeServiceIT.properties("KOR", kor, postgres.url()), null)) {
      ManagedChannel channel = TestPki.shared().asGateway(service.port());
      try {
        GetRequest get = GetRequest.newBuilder().setProductId(id.toString()).build();
        // served at all means its stored binding verified, now as version 1
        GetResponse before = as(channel, jpnReader()).get(get);
        assertThat(before.getBinding().getVersion()).isEqualTo(1);

        for (long expected = 2; expected <= 3; expected++) {
          var amended =
              as(channel, korPublisher())
                  .amendReleasability(
                      AmendReleasabilityRequest.newBuilder()
                          .setProductId(id.toString())
                          .addReleasableTo("KOR")
                          .addReleasableTo(expected == 2 ? "USA" : "JPN")
                          .setJustification("consent " + expected)
                          .build());
          assertThat(amended.getBinding().getVersion()).isEqualTo(expected);
        }
        GetResponse after = as(channel, jpnReader()).get(get);
        assertThat(after.getBinding().getVersion()).isEqualTo(3);
        assertThat(after.getLabel().getReleasableToList()).containsExactly("KOR", "JPN");

        // the permitted reads are recorded by this service, as served, never as transfers
        assertThat(
                AuditStreamReader.readAll(
                    ExchangeServiceIT.redis.url(), AuditWriter.exchange("KOR").streamKey()))
            .filteredOn(AuditEvent::hasProductServed)
            .filteredOn(e -> e.getProductServed().getProductId().equals(id.toString()))
            .hasSize(2)
            .allSatisfy(
                e -> {
                  assertThat(e.getSource()).isEqualTo("exchange-service/KOR");
                  assertThat(e.getProductServed().getRecipientSystem()).isEqualTo("jpn-mod-reader");
                  assertThat(e.getProductServed().getRecipientNation()).isEqualTo("JPN");
                  assertThat(e.getProductServed().getSourceNation()).isEqualTo("KOR");
                  assertThat(e.getProductServed().getMethod()).isEqualTo("ExchangeService/Get");
                });
        assertThat(
                AuditStreamReader.readAll(
                    ExchangeServiceIT.redis.url(), AuditWriter.exchange("KOR").streamKey()))
            .filteredOn(AuditEvent::hasTransfer)
            .noneMatch(e -> e.getTransfer().getProductId().equals(id.toString()));

        // Redis stops: the agreement statuses go stale, and reads are refused, not decided
        ExchangeServiceIT.redis.stop();
        redisStopped = true;
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThatThrownBy(() -> as(channel, jpnReader()).get(get))
                        .satisfies(
                            e ->
                                assertStatus(
                                    e,
                                    Status.Code.UNAVAILABLE,
                                    "agreement statuses could not be read from Redis")));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static ExchangeServiceGrpc.ExchangeServiceBlockingStub as(
      ManagedChannel channel, String token) {
    return ExchangeServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(TestTokens.bearer(token))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static String korPublisher() {
    return ExchangeServiceIT.korPublisher();
  }

  private static String jpnReader() {
    return ExchangeServiceIT.jpnReader();
  }
}
