package org.alliedexchange.benchmarks;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.AuditServiceApplication;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.gateway.GatewayApplication;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.serviceruntime.GatewayOnlyTls;

/**
 * An auditor's export of one relationship ({@code -Drecords}, 200,000 by default), three ways side
 * by side in alternating rounds: straight from the audit service's gRPC API (no guard: the
 * baseline), the same gRPC call through the gateway (every record decided, re-marked, and its read
 * audited before it leaves), and the gateway's JSON Lines download (the same guarded call, rendered
 * as JSON).
 */
public final class AuditExportLoad {

  private static final int RECORDS = Integer.getInteger("records", 200_000);
  private static final int ROUNDS = Integer.getInteger("rounds", 3);

  /**
   * "direct" to time the direct path alone, round after round (to tell its own drift from the other
   * paths' effect on it).
   */
  private static final String ONLY = System.getProperty("only", "");

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("allied-audit-export-");
    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis"));
        TestTokens tokens = new TestTokens();
        LocalPostgres postgres = LocalPostgres.start(dir.resolve("audit").resolve("postgres"))) {
      Map<String, Object> auditProperties =
          AuditServiceApplication.localProperties(
              dir.resolve("audit"), postgres.url(), redis.url(), tokens.issuer, tokens.jwks());
      // the service answers only the gateway, over mutual TLS; the direct path calls as the gateway
      FederationCertificates pki = FederationCertificates.openOrCreate(dir.resolve("pki"));
      FederationCertificates.Issued server = pki.issue("audit", FederationCertificates.Use.SERVER);
      FederationCertificates.Issued client =
          pki.issue("allied-gateway", FederationCertificates.Use.CLIENT);
      AuditServiceApplication.addTls(
          auditProperties, server.certificate(), server.privateKey(), server.authority());
      try (AuditServiceApplication.Running audit = AuditServiceApplication.start(auditProperties)) {
        AuditLog log = audit.context().getBean(AuditLog.class);
        List<AuditLog.Incoming> batch = new ArrayList<>(5_000);
        for (int i = 0; i < RECORDS; i++) {
          AuditEvent event = transfer(i);
          batch.add(new AuditLog.Incoming(event.toByteArray(), event));
          if (batch.size() == 5_000 || i == RECORDS - 1) {
            log.append(batch);
            batch.clear();
          }
        }
        Path korKey = dir.resolve("kor-key.pem");
        NationalKey.loadOrCreate(korKey).writePublicKeyBeside(korKey);
        Map<String, Object> properties =
            GatewayApplication.localProperties(0, tokens.issuer, tokens.jwks(), redis.url());
        GatewayApplication.addBackendTls(
            properties, client.certificate(), client.privateKey(), client.authority());
        GatewayApplication.addNation(
            properties,
            "KOR",
            URI.create("https://127.0.0.1:1"),
            NationalKey.publicKeyFile(korKey));
        GatewayApplication.addAuditService(
            properties, URI.create("https://127.0.0.1:" + audit.port()), null);
        properties.put("allied.gateway.rate-limit.calls-per-second", "100000");
        try (GatewayApplication.Running gateway = GatewayApplication.start(properties)) {
          String token =
              tokens.token("jpn-auditor", "JPN", "TOP_SECRET", List.of(), List.of("auditor"));
          ManagedChannel direct =
              NettyChannelBuilder.forAddress("127.0.0.1", audit.port())
                  .sslContext(
                      GatewayOnlyTls.grpcClientContext(
                          client.certificate(), client.privateKey(), client.authority()))
                  .maxInboundMessageSize(1 << 24)
                  .build();
          ManagedChannel guarded =
              NettyChannelBuilder.forAddress("127.0.0.1", gateway.port())
                  .usePlaintext()
                  .maxInboundMessageSize(1 << 24)
                  .build();
          HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
          QueryRecordsRequest request =
              QueryRecordsRequest.newBuilder().setRelationship("JPN-KOR").build();
          System.out.printf("export of %,d records of JPN-KOR, %d rounds%n", RECORDS, ROUNDS);
          List<double[]> results = new ArrayList<>();
          javax.sql.DataSource data = audit.context().getBean(javax.sql.DataSource.class);
          long[] reads = {0};
          for (int round = 0; round <= ROUNDS; round++) {
            // every guarded read is itself audited, into JPN's own chain: let the audit service
            // take the previous round's reads before timing anything, so no path pays for another's
            // backlog
            drained(data, reads[0]);
            double a =
                rate(
                    () ->
                        count(
                            AuditServiceGrpc.newBlockingStub(direct)
                                .withCallCredentials(TestTokens.bearer(token))
                                .exportRecords(request)));
            if (ONLY.equals("direct")) {
              System.out.printf("round %d: direct gRPC %,.0f records/s%n", round, a);
              continue;
            }
            double b =
                rate(
                    () ->
                        count(
                            AuditServiceGrpc.newBlockingStub(guarded)
                                .withCallCredentials(TestTokens.bearer(token))
                                .exportRecords(request)));
            reads[0] += RECORDS;
            drained(data, reads[0]);
            double c =
                rate(
                    () -> {
                      HttpResponse<InputStream> response =
                          http.send(
                              HttpRequest.newBuilder(
                                      URI.create(
                                          "http://127.0.0.1:"
                                              + gateway.port()
                                              + "/audit/v1/export?relationship=JPN-KOR"))
                                  .header("Authorization", AlliedMetadata.bearer(token))
                                  .build(),
                              HttpResponse.BodyHandlers.ofInputStream());
                      long lines = 0;
                      try (InputStream in = response.body()) {
                        byte[] buffer = new byte[1 << 16];
                        for (int n; (n = in.read(buffer)) > 0; ) {
                          for (int i = 0; i < n; i++) {
                            if (buffer[i] == '\n') {
                              lines++;
                            }
                          }
                        }
                      }
                      return lines - 1;
                    });
            reads[0] += RECORDS + 1;
            System.out.printf(
                "%s round %d: direct gRPC %,.0f records/s, gRPC through the guard %,.0f/s (%.2f), JSON Lines through the guard %,.0f/s (%.2f)%n",
                round == 0 ? "warm-up" : "measured", round, a, b, b / a, c, c / a);
            if (round > 0) {
              results.add(new double[] {a, b, c});
            }
          }
          if (results.isEmpty()) {
            return;
          }
          results.sort((x, y) -> Double.compare(x[1] / x[0], y[1] / y[0]));
          double[] median = results.get(results.size() / 2);
          System.out.printf(
              "median round: direct %,.0f/s; guarded gRPC %.2f of direct; guarded JSON Lines %.2f of direct%n",
              median[0], median[1] / median[0], median[2] / median[0]);
          direct.shutdownNow();
          guarded.shutdownNow();
        }
      }
    }
  }

  /**
   * Waits until the audit service has stored {@code reads} records of reads in JPN's own chain (the
   * checkpoint lookup adds one per export).
   */
  private static void drained(javax.sql.DataSource data, long reads) throws Exception {
    long deadline = System.nanoTime() + 600_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (var connection = data.getConnection();
          var rows =
              connection
                  .createStatement()
                  .executeQuery(
                      "SELECT coalesce(max(sequence), 0) FROM chain_head WHERE relationship = 'JPN'")) {
        rows.next();
        if (rows.getLong(1) >= reads) {
          return;
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "the audit service did not take " + reads + " read records within 10 minutes");
  }

  interface Export {
    long run() throws Exception;
  }

  private static double rate(Export export) throws Exception {
    long start = System.nanoTime();
    long records = export.run();
    if (records != RECORDS) {
      throw new IllegalStateException("exported " + records + " records, expected " + RECORDS);
    }
    return records / ((System.nanoTime() - start) / 1e9);
  }

  private static long count(Iterator<QueryRecordsResponse> records) {
    long n = 0;
    while (records.hasNext()) {
      if (records.next().getRedacted()) {
        throw new IllegalStateException("a TOP SECRET auditor got a redacted record");
      }
      n++;
    }
    return n;
  }

  private static AuditEvent transfer(int i) {
    Instant at = Instant.now().minusSeconds(RECORDS - i);
    boolean denied = i % 10 == 0;
    TransferRecord.Builder record =
        TransferRecord.newBuilder()
            .setTransferId(UUID.randomUUID().toString())
            .setDecision(denied ? Decision.DECISION_DENY : Decision.DECISION_PERMIT)
            .setLabel(
                SecurityLabel.newBuilder()
                    .setPolicy("KOR")
                    .setOriginator("KOR")
                    .setMarking("군사II급비밀")
                    .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
                    .addReleasableTo("KOR")
                    .addReleasableTo("JPN"))
            .setProductId(UUID.randomUUID().toString())
            .setTopic("dprk.missile.launch")
            .setRecipientNation("JPN")
            .setRecipientSystem("jpn-mod-reader")
            .setSourceNation("KOR")
            .setMethod("ExchangeService/Subscribe");
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setSource("gateway")
        .setOccurredAt(
            Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
        .setTransfer(record)
        .build();
  }
}
