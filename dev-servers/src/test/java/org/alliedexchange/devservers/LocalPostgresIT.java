package org.alliedexchange.devservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The local PostgreSQL's passwords across a restart on kept data. */
class LocalPostgresIT {

  private static Connection as(LocalPostgres postgres, LocalPostgres.Login login)
      throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", login.username());
    properties.setProperty("password", login.password());
    return DriverManager.getConnection(postgres.databaseUrl(), properties);
  }

  @Test
  void aRestartKeepsTheDataAndGivesTheRolesNewPasswordsRefusingTheOldOnes() throws Exception {
    Path dir = Files.createTempDirectory("allied-postgres-").resolve("postgres");
    LocalPostgres.Login before;
    try (LocalPostgres first = LocalPostgres.start(dir)) {
      before = first.owner();
      try (Connection owner = as(first, before);
          Statement statement = owner.createStatement()) {
        statement.execute("CREATE TABLE kept (id int)");
      }
    }

    try (LocalPostgres second = LocalPostgres.start(dir)) {
      assertThat(second.owner().password()).isNotEqualTo(before.password());
      assertThatThrownBy(() -> as(second, before))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
      try (Connection owner = as(second, second.owner());
          Statement statement = owner.createStatement()) {
        assertThat(statement.executeQuery("SELECT count(*) FROM kept").next()).isTrue();
      }
      try (Connection superuser = DriverManager.getConnection(second.url())) {
        assertThat(superuser.isValid(2)).isTrue();
      }
    }
  }
}
