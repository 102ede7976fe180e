package org.alliedexchange.benchmarks;

import com.google.protobuf.Timestamp;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.AuditServiceApplication;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;

/**
 * Audit ingest: a backlog of transfer records on the stream (as the gateway writes them, in batch
 * entries), drained by the audit service into PostgreSQL (fsync on) with the chain, then verified.
 * Prints records stored per second, from the service's start to the last record committed.
 */
public final class AuditIngestLoad {

  private static final int RECORDS = Integer.getInteger("records", 200_000);
  private static final boolean SPREAD = Boolean.getBoolean("spread");

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("allied-audit-load-");
    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis"))) {
      String[][] pairs = {{"KOR", "JPN"}, {"KOR", "USA"}, {"JPN", "USA"}, {"USA", "KOR"}};
      // -Dspread=true: every other record on its originator's exchange service's own stream, as a
      // federation's writers spread them, so the service reads several streams at once
      Map<String, AuditBatchWriter> writers = new LinkedHashMap<>();
      Map<String, List<AuditEvent>> groups = new LinkedHashMap<>();
      List<CompletableFuture<Void>> written = new ArrayList<>();
      try {
        for (int i = 0; i < RECORDS; i++) {
          String[] pair = pairs[i % pairs.length];
          boolean exchange = SPREAD && i % 2 == 1;
          String key =
              exchange
                  ? AuditWriter.exchange(pair[0]).streamKey()
                  : AuditWriter.gateway().streamKey();
          AuditBatchWriter writer =
              writers.computeIfAbsent(
                  key,
                  k ->
                      AuditBatchWriter.connect(
                          redis.url(), k, Duration.ofSeconds(5), 1024, 10_000));
          List<AuditEvent> group = groups.computeIfAbsent(key, k -> new ArrayList<>());
          // an exchange service records refusals only (withheld rows); the guard, both
          group.add(transfer(pair[0], pair[1], exchange || i % 10 == 0));
          if (group.size() == 256) {
            written.add(writer.append(group));
            groups.put(key, new ArrayList<>());
          }
        }
        groups.forEach((key, group) -> written.add(writers.get(key).append(group)));
        CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get();
      } finally {
        writers.values().forEach(AuditBatchWriter::close);
      }
      System.out.printf("on %s%n", writers.keySet());
      System.out.printf("%,d transfer records on the stream%n", RECORDS);

      long start = System.nanoTime();
      try (LocalPostgres postgres = LocalPostgres.start(dir.resolve("audit").resolve("postgres"));
          AuditServiceApplication.Running service =
              AuditServiceApplication.start(
                  // no auditor calls in this run: the issuer is only configured
                  withTls(
                      dir,
                      AuditServiceApplication.localProperties(
                          dir.resolve("audit"),
                          postgres.url(),
                          redis.url(),
                          URI.create("http://127.0.0.1:1/realms/allied"),
                          null)))) {
        long started = System.nanoTime();
        DataSource data = service.context().getBean(DataSource.class);
        long stored;
        do {
          Thread.sleep(100);
          stored = count(data);
        } while (stored < RECORDS);
        long drained = System.nanoTime();
        System.out.printf(
            "service start (PostgreSQL, migrations): %.1f s%n", (started - start) / 1e9);
        System.out.printf(
            "ingest: %,d records in %.2f s = %,.0f records/s (chained, fsync on)%n",
            stored, (drained - started) / 1e9, stored / ((drained - started) / 1e9));
        AuditLog log = service.context().getBean(AuditLog.class);
        long verifyStart = System.nanoTime();
        for (String relationship : log.relationships()) {
          var result = log.verify(relationship, null);
          if (!result.verified()) {
            throw new IllegalStateException(result.detail());
          }
        }
        System.out.printf(
            "verify every chain: %.2f s (%,.0f records/s)%n",
            (System.nanoTime() - verifyStart) / 1e9,
            stored / ((System.nanoTime() - verifyStart) / 1e9));
      }
    }
    System.exit(0);
  }

  private static long count(DataSource data) throws Exception {
    try (Connection connection = data.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery("SELECT coalesce(sum(sequence), 0) FROM chain_head")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static AuditEvent transfer(String originator, String recipient, boolean deny) {
    Instant now = Instant.now();
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setSource("gateway")
        .setTraceId("0af7651916cd43dd8448eb211c80319c")
        .setOccurredAt(
            Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setTransfer(
            TransferRecord.newBuilder()
                .setTransferId(UUID.randomUUID().toString())
                .setDecision(deny ? Decision.DECISION_DENY : Decision.DECISION_PERMIT)
                .setLabel(
                    SecurityLabel.newBuilder()
                        .setPolicy(originator)
                        .setOriginator(originator)
                        .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
                        .setMarking("SECRET")
                        .addReleasableTo(originator)
                        .addReleasableTo(recipient)
                        .addCommunities("MISSILE_WARNING"))
                .setProductId(UUID.randomUUID().toString())
                .setTopic("dprk.missile.launch")
                .setRecipientNation(recipient)
                .setRecipientSystem(recipient.toLowerCase() + "-reader")
                .setMethod("ExchangeService/Search")
                .setSourceNation(originator))
        .build();
  }

  /** The service answers only the gateway, over mutual TLS; this run makes no calls to it. */
  private static java.util.Map<String, Object> withTls(
      Path dir, java.util.Map<String, Object> properties) {
    org.alliedexchange.devservers.FederationCertificates.Issued server =
        org.alliedexchange.devservers.FederationCertificates.openOrCreate(dir.resolve("pki"))
            .issue("audit", org.alliedexchange.devservers.FederationCertificates.Use.SERVER);
    AuditServiceApplication.addTls(
        properties, server.certificate(), server.privateKey(), server.authority());
    return properties;
  }
}
