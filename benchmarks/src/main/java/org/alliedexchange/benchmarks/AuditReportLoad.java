package org.alliedexchange.benchmarks;

import com.google.protobuf.Timestamp;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.AuditServiceApplication;
import org.alliedexchange.audit.store.AuditLog;
import org.alliedexchange.audit.store.ComplianceReport;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;

/**
 * The bilateral compliance report over a large log: {@code -Drecords} (10 million by default)
 * transfer records spread over 90 days and four relationships are appended through the audit log
 * itself (chain, rollups, fsync on), then the report for one relationship over the whole period is
 * timed.
 */
public final class AuditReportLoad {

  private static final int RECORDS = Integer.getInteger("records", 10_000_000);
  private static final int DAYS = 90;

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("allied-audit-report-");
    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis"));
        LocalPostgres postgres = LocalPostgres.start(dir.resolve("audit").resolve("postgres"));
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
      AuditLog log = service.context().getBean(AuditLog.class);
      String[][] pairs = {{"KOR", "JPN"}, {"JPN", "KOR"}, {"KOR", "USA"}, {"USA", "KOR"}};
      Instant first =
          LocalDate.now(ZoneOffset.UTC)
              .minusDays(DAYS - 1)
              .atStartOfDay(ZoneOffset.UTC)
              .toInstant();
      long start = System.nanoTime();
      // two writers on disjoint relationships, so their transactions never wait on each other's
      // chain heads
      ExecutorService writers = Executors.newFixedThreadPool(2);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        String[][] mine =
            w == 0 ? Arrays.copyOfRange(pairs, 0, 2) : Arrays.copyOfRange(pairs, 2, 4);
        done.add(
            writers.submit(
                () -> {
                  List<AuditLog.Incoming> batch = new ArrayList<>(5_000);
                  for (int i = 0; i < RECORDS / 2; i++) {
                    String[] pair = mine[i % 2];
                    Instant at = first.plusSeconds((long) i * DAYS * 86_400L / (RECORDS / 2));
                    AuditEvent event = transfer(pair[0], pair[1], i, at);
                    batch.add(new AuditLog.Incoming(event.toByteArray(), event));
                    if (batch.size() == 5_000) {
                      log.append(batch);
                      batch.clear();
                    }
                    if (i > 0 && i % 1_000_000 == 0) {
                      System.out.printf("writer: %,d records%n", i);
                    }
                  }
                  log.append(batch);
                  return null;
                }));
      }
      for (Future<?> future : done) {
        future.get();
      }
      writers.shutdown();
      double loadSeconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "%,d records appended (chained, rolled up, fsync on) in %.0f s = %,.0f records/s%n",
          RECORDS, loadSeconds, RECORDS / loadSeconds);

      ComplianceReport reports = service.context().getBean(ComplianceReport.class);
      LocalDate to = LocalDate.now(ZoneOffset.UTC);
      LocalDate from = to.minusDays(DAYS);
      long cold = System.nanoTime();
      ComplianceReport.Report report = reports.report("JPN-KOR", from, to);
      double firstMillis = (System.nanoTime() - cold) / 1e6;
      double[] millis = new double[7];
      for (int i = 0; i < millis.length; i++) {
        long t = System.nanoTime();
        report = reports.report("JPN-KOR", from, to);
        millis[i] = (System.nanoTime() - t) / 1e6;
      }
      long covered = report.flows().stream().mapToLong(f -> f.released() + f.refused()).sum();
      Arrays.sort(millis);
      System.out.printf(
          "report JPN-KOR over %d days, covering %,d of the %,d records: first %.1f ms; then median of %d %.1f ms, worst %.1f ms%n",
          DAYS,
          covered,
          RECORDS,
          firstMillis,
          millis.length,
          millis[millis.length / 2],
          millis[millis.length - 1]);
      System.out.println("balance: " + report.balance() + "; refusals: " + report.refusals());
    }
    System.exit(0);
  }

  private static AuditEvent transfer(String originator, String recipient, int i, Instant at) {
    boolean denied = i % 10 == 0;
    TransferRecord.Builder record =
        TransferRecord.newBuilder()
            .setTransferId(UUID.randomUUID().toString())
            .setDecision(denied ? Decision.DECISION_DENY : Decision.DECISION_PERMIT)
            .setLabel(
                SecurityLabel.newBuilder()
                    .setPolicy(originator)
                    .setOriginator(originator)
                    .setLevel(ClassificationLevel.forNumber(3 + i % 3))
                    .addReleasableTo(originator)
                    .addReleasableTo(recipient))
            .setProductId(UUID.randomUUID().toString())
            .setTopic("dprk.missile.launch")
            .setRecipientNation(recipient)
            .setRecipientSystem(recipient.toLowerCase() + "-reader")
            .setSourceNation(originator);
    if (denied) {
      record.addReasons(
          i % 20 == 0
              ? DenyReason.DENY_REASON_LEVEL_NOT_COVERED
              : DenyReason.DENY_REASON_NEED_TO_KNOW);
    }
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setSource("gateway")
        .setOccurredAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()))
        .setTransfer(record)
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
