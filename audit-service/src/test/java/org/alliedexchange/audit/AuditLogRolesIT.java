package org.alliedexchange.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The audit log's PostgreSQL as the audit service logs in to it, and as a neighbouring process
 * meets it (issue 14): the service's role appends, but cannot change, remove or unprotect a record;
 * no connection gets in without the right password.
 */
class AuditLogRolesIT {

  static Path dir;
  static LocalRedis redis;
  static TestTokens tokens;
  static LocalPostgres postgres;
  static AuditServiceApplication.Running audit;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-audit-roles-");
    redis = LocalRedis.start(dir.resolve("redis"));
    tokens = new TestTokens();
    postgres = LocalPostgres.start(dir.resolve("postgres"));
    Map<String, Object> properties =
        AuditServiceApplication.localProperties(
            dir,
            postgres.databaseUrl(),
            redis.url(LocalRedis.User.AUDIT),
            tokens.issuer,
            tokens.jwks());
    properties.putAll(postgres.serviceProperties("allied.audit.database"));
    audit = AuditServiceApplication.start(TestPki.shared().serve(properties, "audit"));
    try (AuditStreamWriter gateway =
        AuditStreamWriter.connect(
            redis.url(LocalRedis.User.GATEWAY), AuditStream.DEFAULT_KEY, Duration.ofSeconds(2))) {
      gateway.append(AuditServiceIT.transfer("KOR", "JPN", Decision.DECISION_PERMIT));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> records() == 1);
  }

  @AfterAll
  static void stop() {
    if (audit != null) {
      audit.close();
    }
    postgres.close();
    tokens.close();
    redis.close();
  }

  private static Connection as(LocalPostgres.Login login) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", login.username());
    properties.setProperty("password", login.password());
    return DriverManager.getConnection(postgres.databaseUrl(), properties);
  }

  private static long records() throws SQLException {
    try (Connection service = as(postgres.service());
        Statement statement = service.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(*) FROM audit_record")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "DROP TRIGGER audit_record_append_only ON audit_record",
        "ALTER TABLE audit_record DISABLE TRIGGER ALL",
        "UPDATE audit_record SET event_type = 'forged'",
        "DELETE FROM audit_record",
        "TRUNCATE audit_record",
        "DROP TABLE audit_record",
        "DELETE FROM checkpoint",
        "DROP TRIGGER checkpoint_append_only ON checkpoint",
        "CREATE TABLE shadow (id int)"
      })
  void theServicesOwnRoleCannotChangeRemoveOrUnprotectTheLog(String attack) throws Exception {
    try (Connection service = as(postgres.service());
        Statement statement = service.createStatement()) {
      assertThatThrownBy(() -> statement.execute(attack))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
    }
    assertThat(records()).isEqualTo(1);
  }

  @Test
  void aConnectionWithoutTheRightPasswordIsRefusedEvenForTheSuperuser() {
    String server = "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/";

    assertThatThrownBy(() -> DriverManager.getConnection(server + "allied?user=allied_service"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("password");
    assertThatThrownBy(
            () ->
                DriverManager.getConnection(server + "allied?user=allied_service&password=guessed"))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
    assertThatThrownBy(() -> DriverManager.getConnection(server + "postgres?user=postgres"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("password");
  }

  @Test
  void theLogIsOwnedByTheMigrationRoleNotTheOneTheServiceWorksAs() throws Exception {
    try (Connection service = as(postgres.service());
        Statement statement = service.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT tableowner FROM pg_tables WHERE tablename IN ('audit_record', 'checkpoint')")) {
      while (rows.next()) {
        assertThat(rows.getString(1)).isEqualTo(LocalPostgres.OWNER);
      }
    }
  }

  @Test
  void theSuperusersPasswordIsKeptBesideTheDataReadableByItsOwnerOnly() throws Exception {
    Path kept = dir.resolve("postgres.superuser-password");

    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(kept)))
        .isEqualTo("rw-------");
  }
}
