package org.alliedexchange.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The KeycloakRealmImport the trilateral overlay applies is identity/realm's realm, unchanged, with
 * every placeholder taken from the generated Secret.
 */
class RealmImportTest {

  static final Path REALM = Kustomize.K8S.resolveSibling("identity/realm/allied-realm.json");

  @Test
  void theRenderedImportIsTheRealmOfIdentityRealm() throws Exception {
    String rendered = Kustomize.build(Kustomize.K8S.resolve("overlays/trilateral"));
    JsonNode realmImport =
        StrictManifests.documents(rendered).stream()
            .filter(d -> d.path("kind").asText().equals("KeycloakRealmImport"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no KeycloakRealmImport rendered"));
    String realmText = Files.readString(REALM, StandardCharsets.UTF_8);
    JsonNode realm = new ObjectMapper().readTree(realmText);

    assertThat(realmImport.path("spec").path("realm"))
        .as(
            "the import's realm differs from identity/realm/allied-realm.json: run the build, or"
                + " k8s/generate-secrets.sh, to render it again")
        .isEqualTo(realm);
    assertThat(realmImport.path("spec").path("keycloakCRName").asText()).isEqualTo("keycloak");
    Set<String> placeholders = new HashSet<>();
    realmImport.path("spec").path("placeholders").fieldNames().forEachRemaining(placeholders::add);
    assertThat(placeholders)
        .isEqualTo(RealmImportRenderer.placeholders(realmText))
        .contains(
            "ALLIED_CONSOLE_URL",
            "ALLIED_SECRET_KOR_JCS_PUBLISHER",
            "ALLIED_SECRET_KOR_HOTLINE",
            "ALLIED_PASSWORD_JPN_WATCH_OFFICER");
    for (String name : placeholders) {
      JsonNode secret = realmImport.path("spec").path("placeholders").path(name).path("secret");
      assertThat(List.of(secret.path("name").asText(), secret.path("key").asText()))
          .as(name)
          .containsExactly(RealmImportRenderer.SECRET, name);
    }
  }

  @Test
  void aChangedRealmIsNoticed() throws Exception {
    String realmText = Files.readString(REALM, StandardCharsets.UTF_8);
    String changed =
        realmText.replace("\"accessTokenLifespan\": 300", "\"accessTokenLifespan\": 301");
    JsonNode rendered =
        StrictManifests.documents(RealmImportRenderer.render(changed))
            .get(0)
            .path("spec")
            .path("realm");

    assertThat(changed).isNotEqualTo(realmText);
    assertThat(rendered).isNotEqualTo(new ObjectMapper().readTree(realmText));
    assertThat(rendered).isEqualTo(new ObjectMapper().readTree(changed));
  }
}
