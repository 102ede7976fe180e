package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Refusals the identity commands make before asking Keycloak anything. */
class IdentityCommandTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void anUnknownNationIsRefusedWithExitTwoAndNothingIsChanged(@TempDir Path dir) throws Exception {
    Path password = Files.writeString(dir.resolve("pw"), "irrelevant");

    int exit =
        run(
            "identity",
            "onboard",
            "gbr-reader",
            "--nation",
            "GBR",
            "--clearance",
            "SECRET",
            "--role",
            "exchange-read",
            "--keycloak",
            "http://127.0.0.1:1",
            "--admin-password-file",
            password.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(stderr())
        .isEqualTo(
            "allied identity onboard: unknown nation \"GBR\"; the federation knows [KOR, JPN, USA]\n");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void anUnknownClearanceIsRefused(@TempDir Path dir) throws Exception {
    Path password = Files.writeString(dir.resolve("pw"), "irrelevant");

    int exit =
        run(
            "identity",
            "set-clearance",
            "kor-mnd-reader",
            "SECERT",
            "--keycloak",
            "http://127.0.0.1:1",
            "--admin-password-file",
            password.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(stderr())
        .startsWith(
            "allied identity set-clearance: unknown clearance \"SECERT\"; use one of [UNCLASSIFIED,");
  }

  @Test
  void withoutAKeycloakTheCommandSaysHowToNameOne() {
    int exit = run("identity", "list", "--keycloak", "");

    assertThat(exit).isEqualTo(2);
    assertThat(stderr())
        .contains("no Keycloak given: use --keycloak URL or set ALLIED_KEYCLOAK_URL");
  }

  @Test
  void anUnreachableKeycloakIsAFailureNotARefusal(@TempDir Path dir) throws Exception {
    Path password = Files.writeString(dir.resolve("pw"), "x");

    int exit =
        run(
            "identity",
            "list",
            "--keycloak",
            "http://127.0.0.1:1",
            "--admin-password-file",
            password.toString());

    assertThat(exit).isEqualTo(1);
    assertThat(stderr())
        .startsWith("allied identity list: could not list systems: cannot reach Keycloak");
    assertThat(stderr().lines()).hasSize(1);
  }

  private int run(String... args) {
    return Allied.commandLine(new ByteArrayInputStream(new byte[0]), out, err, Clock.systemUTC())
        .execute(args);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
