package org.alliedexchange.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.collect.ImmutableList;
import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.IdentityChanged;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.Test;

/**
 * A realm-wide identity change (a client scope, a protocol mapper, a key, a flow), which is no one
 * nation's, is read by every nation's auditors.
 */
class FederationChainIT {

  @Test
  void aJapaneseAndAKoreanAuditorBothReadARealmWideIdentityChange() throws Exception {
    Path dir = Files.createTempDirectory("allied-federation-chain-");
    String stream = "allied:audit:" + UUID.randomUUID();
    Instant now = Instant.now();
    AuditEvent mapperAdded =
        AuditEvent.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setSource("keycloak/allied")
            .setOccurredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
            .setIdentityChanged(
                IdentityChanged.newBuilder()
                    .setRealm("allied")
                    .setOperation("CREATE")
                    .setResourceType("PROTOCOL_MAPPER")
                    .setResourcePath("client-scopes/0f1e/protocol-mappers/models/9a8b")
                    .setChangedBy("admin@master")
                    .setSummary("create protocol mapper"))
            .build();
    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis"));
        TestTokens tokens = new TestTokens();
        LocalPostgres postgres = LocalPostgres.start(dir.resolve("audit").resolve("postgres"))) {
      Map<String, Object> properties =
          AuditServiceApplication.localProperties(
              dir.resolve("audit"), postgres.url(), redis.url(), tokens.issuer, tokens.jwks());
      properties.put("allied.audit.stream", stream);
      try (AuditServiceApplication.Running service =
          AuditServiceApplication.start(TestPki.shared().serve(properties, "audit"))) {
        try (AuditStreamWriter writer =
            AuditStreamWriter.connect(
                redis.url(), AuditWriter.identity().streamKey(stream), Duration.ofSeconds(2))) {
          writer.append(mapperAdded);
        }
        DataSource data = service.context().getBean(DataSource.class);
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> AuditorQueryIT.count(data) >= 1);
        ManagedChannel channel = TestPki.shared().asGateway(service.port());
        try {
          for (String nation : List.of("JPN", "KOR")) {
            var auditor =
                AuditServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(
                        TestTokens.bearer(
                            tokens.token(
                                nation.toLowerCase() + "-auditor",
                                nation,
                                "SECRET",
                                List.of(),
                                List.of("auditor"))));

            List<QueryRecordsResponse> all =
                ImmutableList.copyOf(
                    auditor.queryRecords(QueryRecordsRequest.getDefaultInstance()));
            List<QueryRecordsResponse> federation =
                ImmutableList.copyOf(
                    auditor.queryRecords(
                        QueryRecordsRequest.newBuilder().setRelationship("FEDERATION").build()));

            assertThat(all)
                .extracting(QueryRecordsResponse::getRelationship)
                .contains("FEDERATION");
            assertThat(federation)
                .as(nation)
                .singleElement()
                .satisfies(
                    record -> {
                      assertThat(record.getRedacted()).isFalse();
                      assertThat(record.getEvent().getIdentityChanged().getResourceType())
                          .isEqualTo("PROTOCOL_MAPPER");
                      assertThat(record.getLabel().getPolicy()).isEqualTo(nation);
                    });
          }
        } finally {
          channel.shutdownNow();
        }
      }
    }
  }
}
