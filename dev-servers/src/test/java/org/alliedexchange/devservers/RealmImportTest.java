package org.alliedexchange.devservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The realm file's placeholders, filled as Keycloak's import fills them. */
class RealmImportTest {

  private static final String REALM =
      """
      {"realm": "allied",
       "clients": [{"clientId": "kor-hotline", "secret": "${ALLIED_SECRET_KOR_HOTLINE}",
                    "redirectUris": ["${ALLIED_CONSOLE_URL}/callback/*"]}],
       "users": [{"username": "kor-principal",
                  "credentials": [{"type": "password", "value": "${ALLIED_PASSWORD_KOR_PRINCIPAL}"}],
                  "attributes": {"display": ["${username} of ${ALLIED_NATION_NAME}"]}}],
       "accessTokenLifespan": 300}
      """;

  @Test
  void everyAlliedPlaceholderGetsItsValueAndKeycloaksOwnStay() {
    ObjectNode filled =
        RealmImport.filled(
            REALM,
            Map.of(
                "ALLIED_SECRET_KOR_HOTLINE", "s3cr\"et\\with$dollar",
                "ALLIED_CONSOLE_URL", "http://127.0.0.1:8443",
                "ALLIED_PASSWORD_KOR_PRINCIPAL", "pw-1",
                "ALLIED_NATION_NAME", "Korea"));

    assertThat(filled.at("/clients/0/secret").asString()).isEqualTo("s3cr\"et\\with$dollar");
    assertThat(filled.at("/clients/0/redirectUris/0").asString())
        .isEqualTo("http://127.0.0.1:8443/callback/*");
    assertThat(filled.at("/users/0/credentials/0/value").asString()).isEqualTo("pw-1");
    assertThat(filled.at("/users/0/attributes/display/0").asString())
        .isEqualTo("${username} of Korea");
    assertThat(filled.path("accessTokenLifespan").asInt()).isEqualTo(300);
  }

  @Test
  void aPlaceholderWithoutAValueIsRefusedByName() {
    assertThatThrownBy(
            () -> RealmImport.filled(REALM, Map.of("ALLIED_SECRET_KOR_HOTLINE", "kept-secret")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the realm file's placeholder ALLIED_CONSOLE_URL has no value");
  }

  @Test
  void theValuesKeptForADataDirectoryFillTheFileTheyWereMadeFor() throws Exception {
    Path home = Files.createTempDirectory("allied-keycloak-home-");
    Path data = Files.createTempDirectory("allied-keycloak-data-");
    Path file = data.resolve("realm.json");
    Files.writeString(file, REALM);

    RealmImport.Values first = RealmImport.prepare(home, data, "http://127.0.0.1:1", file);
    RealmImport.Values again = RealmImport.prepare(home, data, "http://127.0.0.1:1", file);

    assertThat(again.placeholders()).isEqualTo(first.placeholders());
    assertThat(again.filledRealm().at("/clients/0/secret").asString())
        .isEqualTo(first.placeholders().get("ALLIED_SECRET_KOR_HOTLINE"))
        .hasSizeGreaterThanOrEqualTo(40);
    assertThat(Files.readString(home.resolve("data/import/allied-realm.json"))).isEqualTo(REALM);
  }
}
