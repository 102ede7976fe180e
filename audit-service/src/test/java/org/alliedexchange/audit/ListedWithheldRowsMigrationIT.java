package org.alliedexchange.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.devservers.LocalPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * A log kept before summaries' product ids were indexed (before V5): upgrading indexes the ids its
 * summaries list, so a search by product id finds them, and touches nothing else of the log.
 */
class ListedWithheldRowsMigrationIT {

  @Test
  void upgradingIndexesTheProductIdsTheStoredSummariesList() throws Exception {
    try (LocalPostgres postgres =
        LocalPostgres.start(Files.createTempDirectory("allied-withheld-migration-"))) {
      // the log as it was, with a summary stored in it by an older service
      // (its afterMigrate grants on tables of later versions: not run at this one)
      Flyway.configure()
          .configuration(flyway(postgres, "4").getConfiguration())
          .skipDefaultCallbacks(true)
          .load()
          .migrate();
      AuditEvent summary =
          refusal(
              TransferRecord.newBuilder()
                  .setWithheldCount(500)
                  .addWithheldProductIds("p-0")
                  .addWithheldProductIds("")
                  .addWithheldProductIds("p-2"));
      AuditEvent single = refusal(TransferRecord.newBuilder().setProductId("p-single"));
      try (Connection owner = owner(postgres)) {
        store(owner, 1, summary, "");
        store(owner, 2, single, "p-single");
      }

      flyway(postgres, "latest").migrate();

      try (Connection owner = owner(postgres);
          PreparedStatement query =
              owner.prepareStatement(
                  "SELECT product_id, relationship, sequence FROM withheld_row ORDER BY product_id");
          ResultSet rows = query.executeQuery()) {
        List<String> indexed = new ArrayList<>();
        while (rows.next()) {
          indexed.add(rows.getString(1) + " " + rows.getString(2) + " #" + rows.getLong(3));
        }
        // the listed ids of the summary, the unreadable one left out; a single record's own id is
        // in its own column
        assertThat(indexed).containsExactly("p-0 JPN-KOR #1", "p-2 JPN-KOR #1");
      }
    }
  }

  /** A refusal of a KOR product to JPN, as an older service stored it. */
  private static AuditEvent refusal(TransferRecord.Builder transfer) {
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setTransfer(
            transfer
                .setDecision(Decision.DECISION_DENY)
                .setRecipientNation("JPN")
                .setSourceNation("KOR"))
        .build();
  }

  private static Flyway flyway(LocalPostgres postgres, String target) {
    return Flyway.configure()
        .dataSource(
            postgres.databaseUrl(), postgres.owner().username(), postgres.owner().password())
        .locations("classpath:org/alliedexchange/audit/db/migration")
        .placeholders(Map.of("service_role", "\"" + LocalPostgres.SERVICE + "\""))
        .target(target)
        .load();
  }

  private static Connection owner(LocalPostgres postgres) throws Exception {
    return DriverManager.getConnection(
        postgres.databaseUrl(), postgres.owner().username(), postgres.owner().password());
  }

  private static void store(Connection connection, long sequence, AuditEvent event, String product)
      throws Exception {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO audit_record (relationship, sequence, event_id, event_type, occurred_at,"
                + " decision, originator, recipient, product_id, event, hash)"
                + " VALUES ('JPN-KOR', ?, ?, 'transfer', ?, 2, 'KOR', 'JPN', ?, ?, ?)")) {
      insert.setLong(1, sequence);
      insert.setString(2, event.getEventId());
      insert.setTimestamp(3, Timestamp.from(Instant.now()));
      insert.setString(4, product);
      insert.setBytes(5, event.toByteArray());
      insert.setBytes(6, new byte[32]);
      insert.executeUpdate();
    }
  }
}
