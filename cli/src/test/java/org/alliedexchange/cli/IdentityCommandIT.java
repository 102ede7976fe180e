package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.alliedexchange.client.ClientCredentials;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** `allied identity` as a script uses it, against a real Keycloak and Redis started here. */
class IdentityCommandIT {

  private static LocalRedis redis;
  private static LocalKeycloak keycloak;
  private static Path passwordFile;

  @BeforeAll
  static void start() throws Exception {
    redis = LocalRedis.start(Files.createTempDirectory("allied-redis-"));
    keycloak = LocalKeycloak.builder().auditRedis(redis.url()).start();
    passwordFile = Files.createTempFile("admin", ".pw");
    Files.writeString(passwordFile, keycloak.adminPassword());
  }

  @AfterAll
  static void stop() throws Exception {
    keycloak.close();
    redis.close();
    Files.deleteIfExists(passwordFile);
  }

  @Test
  void onboardPrintsTheSecretOnceAsJsonAndItWorksAtOnce() {
    Result onboarded =
        run(
            "identity",
            "onboard",
            "jpn-maritime-reader",
            "--nation",
            "JPN",
            "--clearance",
            "SECRET",
            "--community",
            "MISSILE_WARNING",
            "--role",
            "exchange-read",
            "--json");

    assertThat(onboarded.exit()).as(onboarded.err()).isZero();
    JsonNode system = Json.MAPPER.readTree(onboarded.out());
    assertThat(system.path("name").asString()).isEqualTo("jpn-maritime-reader");
    assertThat(system.path("nation").asString()).isEqualTo("JPN");
    assertThat(system.path("roles").get(0).asString()).isEqualTo("exchange-read");
    String secret = system.path("secret").asString();
    assertThat(
            ClientCredentials.request(keycloak.tokenEndpoint(), "jpn-maritime-reader", secret)
                .granted())
        .isTrue();

    Result listed = run("identity", "list", "--systems", "--json");
    List<String> names =
        listed
            .out()
            .lines()
            .map(line -> Json.MAPPER.readTree(line).path("name").asString())
            .toList();
    assertThat(names).contains("jpn-maritime-reader", "kor-jcs-publisher");
    assertThat(listed.out()).doesNotContain(secret).doesNotContain("\"secret\"");
  }

  @Test
  void rotateSecretAndDisableTakeEffectAtOnce() {
    String old =
        Json.MAPPER
            .readTree(
                run(
                        "identity",
                        "onboard",
                        "usa-navy-reader",
                        "--nation",
                        "USA",
                        "--clearance",
                        "SECRET",
                        "--role",
                        "exchange-read",
                        "--json")
                    .out())
            .path("secret")
            .asString();

    String fresh =
        Json.MAPPER
            .readTree(run("identity", "rotate-secret", "usa-navy-reader", "--json").out())
            .path("secret")
            .asString();
    Result disabled = run("identity", "disable", "usa-navy-reader", "--json");

    assertThat(
            ClientCredentials.request(keycloak.tokenEndpoint(), "usa-navy-reader", old).granted())
        .isFalse();
    assertThat(Json.MAPPER.readTree(disabled.out()).path("enabled").asBoolean()).isFalse();
    assertThat(
            ClientCredentials.request(keycloak.tokenEndpoint(), "usa-navy-reader", fresh).granted())
        .isFalse();
    assertThat(run("identity", "enable", "usa-navy-reader").exit()).isZero();
    assertThat(
            ClientCredentials.request(keycloak.tokenEndpoint(), "usa-navy-reader", fresh).granted())
        .isTrue();
  }

  @Test
  void aUsaAdministratorCannotOnboardAKoreanSystemButCanItsOwn() throws Exception {
    assertThat(
            run(
                    "identity",
                    "add-person",
                    "usa-admin-cli",
                    "--nation",
                    "USA",
                    "--clearance",
                    "SECRET",
                    "--role",
                    "federation-admin")
                .exit())
        .isZero();
    String password = "Usa-admin-" + java.util.UUID.randomUUID();
    try (org.keycloak.admin.client.Keycloak master =
        org.keycloak.admin.client.KeycloakBuilder.builder()
            .serverUrl(keycloak.url().toString())
            .realm("master")
            .clientId("admin-cli")
            .grantType("password")
            .username(keycloak.adminUsername())
            .password(keycloak.adminPassword())
            .build()) {
      var users = master.realm(LocalKeycloak.REALM).users();
      var credential = new org.keycloak.representations.idm.CredentialRepresentation();
      credential.setType("password");
      credential.setValue(password);
      credential.setTemporary(false);
      users
          .get(users.searchByUsername("usa-admin-cli", true).get(0).getId())
          .resetPassword(credential);
    }
    Path usaPassword = Files.createTempFile("usa-admin", ".pw");
    Files.writeString(usaPassword, password);

    Result korean =
        runAs(
            "usa-admin-cli",
            usaPassword,
            "identity",
            "onboard",
            "kor-planted-reader",
            "--nation",
            "KOR",
            "--clearance",
            "SECRET",
            "--role",
            "exchange-read");
    Result american =
        runAs(
            "usa-admin-cli",
            usaPassword,
            "identity",
            "onboard",
            "usa-army-reader",
            "--nation",
            "USA",
            "--clearance",
            "SECRET",
            "--role",
            "exchange-read",
            "--json");
    Files.deleteIfExists(usaPassword);

    assertThat(korean.exit()).isEqualTo(1);
    assertThat(korean.err())
        .contains("could not onboard kor-planted-reader: Keycloak answered 403")
        .contains("an administrator of USA may change only identities of USA");
    assertThat(run("identity", "list", "--systems", "--json").out())
        .doesNotContain("kor-planted-reader");
    assertThat(american.exit()).as(american.err()).isZero();
    assertThat(Json.MAPPER.readTree(american.out()).path("nation").asString()).isEqualTo("USA");
  }

  private record Result(int exit, String out, String err) {}

  /** As an administrator of the realm itself (a nation's), not master's. */
  private Result runAs(String admin, Path password, String... args) {
    String[] withConnection = new String[args.length + 8];
    System.arraycopy(args, 0, withConnection, 0, args.length);
    String[] connection = {
      "--keycloak",
      keycloak.url().toString(),
      "--admin-realm",
      LocalKeycloak.REALM,
      "--admin-user",
      admin,
      "--admin-password-file",
      password.toString()
    };
    System.arraycopy(connection, 0, withConnection, args.length, connection.length);
    return execute(withConnection);
  }

  private Result run(String... args) {
    String[] withConnection = new String[args.length + 4];
    System.arraycopy(args, 0, withConnection, 0, args.length);
    withConnection[args.length] = "--keycloak";
    withConnection[args.length + 1] = keycloak.url().toString();
    withConnection[args.length + 2] = "--admin-password-file";
    withConnection[args.length + 3] = passwordFile.toString();
    return execute(withConnection);
  }

  private Result execute(String[] withConnection) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        Allied.commandLine(new ByteArrayInputStream(new byte[0]), out, err, Clock.systemUTC())
            .execute(withConnection);
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
