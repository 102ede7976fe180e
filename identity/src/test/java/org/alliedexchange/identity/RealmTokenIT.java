package org.alliedexchange.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.alliedexchange.client.ClientCredentials;
import org.alliedexchange.client.ClientCredentials.TokenResponse;
import org.alliedexchange.devservers.LocalKeycloak;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * What a national system gets from the realm, against a real Keycloak with the realm file imported.
 */
@ExtendWith(LocalIdentityServers.class)
class RealmTokenIT {

  private final LocalKeycloak keycloak = LocalIdentityServers.servers().keycloak();

  @Test
  void aSystemsTokenCarriesItsNationClearanceCommunitiesRolesAndTheGatewayAudience() {
    TokenResponse token =
        ClientCredentials.request(
            keycloak.tokenEndpoint(),
            "kor-jcs-publisher",
            keycloak.clientSecret("kor-jcs-publisher"));

    assertThat(token.granted()).as(token.errorDescription()).isTrue();
    JsonNode claims = ClientCredentials.unverifiedClaims(token.accessToken());
    assertThat(claims.path("iss").asString()).isEqualTo(keycloak.issuer().toString());
    assertThat(audiences(claims)).contains(LocalKeycloak.GATEWAY_AUDIENCE);
    assertThat(claims.path("azp").asString()).isEqualTo("kor-jcs-publisher");
    // what tells a system's token from a person's: the gateway names a system by it
    assertThat(claims.path("client_id").asString()).isEqualTo("kor-jcs-publisher");
    assertThat(claims.path("nation").asString()).isEqualTo("KOR");
    assertThat(claims.path("clearance").asString()).isEqualTo("TOP_SECRET");
    assertThat(strings(claims.path("communities"))).containsExactly("MISSILE_WARNING");
    assertThat(strings(claims.path("roles")))
        .contains("exchange-publish", "exchange-read")
        .doesNotContain("auditor");
    assertThat(claims.path("sub").asString()).isNotBlank();
  }

  @Test
  void aHotlineNodesTokenCarriesTheRelayRoleItsNationAndTopSecretOnly() {
    TokenResponse token =
        ClientCredentials.request(
            keycloak.tokenEndpoint(), "jpn-hotline", keycloak.clientSecret("jpn-hotline"));

    assertThat(token.granted()).as(token.errorDescription()).isTrue();
    JsonNode claims = ClientCredentials.unverifiedClaims(token.accessToken());
    assertThat(claims.path("client_id").asString()).isEqualTo("jpn-hotline");
    assertThat(claims.path("nation").asString()).isEqualTo("JPN");
    assertThat(claims.path("clearance").asString()).isEqualTo("TOP_SECRET");
    assertThat(audiences(claims)).contains(LocalKeycloak.GATEWAY_AUDIENCE);
    assertThat(strings(claims.path("roles"))).containsExactly("hotline-relay");
    // the people of the hotline have passwords of their own, as the auditors do
    assertThat(keycloak.password("kor-watch-officer")).isNotBlank();
    assertThat(keycloak.password("usa-nsa")).isNotEqualTo(keycloak.password("usa-principal"));
  }

  @Test
  void accessTokensLiveFiveMinutesOrLess() {
    TokenResponse token =
        ClientCredentials.request(
            keycloak.tokenEndpoint(), "jpn-mod-reader", keycloak.clientSecret("jpn-mod-reader"));
    JsonNode claims = ClientCredentials.unverifiedClaims(token.accessToken());

    long lifetime = claims.path("exp").asLong() - claims.path("iat").asLong();
    assertThat(lifetime).isPositive().isLessThanOrEqualTo(300);
    assertThat(token.expiresIn()).isLessThanOrEqualTo(300);
    assertThat(claims.path("exp").asLong()).isGreaterThan(Instant.now().getEpochSecond());
    assertThat(strings(claims.path("roles"))).containsExactly("exchange-read");
  }

  @Test
  void anUnknownClientGetsNoToken() {
    TokenResponse token = ClientCredentials.request(keycloak.tokenEndpoint(), "prk-spy", "guess");

    assertThat(token.granted()).isFalse();
    assertThat(token.status()).isEqualTo(401);
    assertThat(token.error()).isEqualTo("invalid_client");
  }

  @Test
  void aWrongSecretGetsNoToken() {
    TokenResponse token =
        ClientCredentials.request(keycloak.tokenEndpoint(), "usa-dia-reader", "not-the-secret");

    assertThat(token.granted()).isFalse();
    assertThat(token.accessToken()).isNull();
    assertThat(token.status()).isEqualTo(401);
    // Keycloak 26.7 answers a known client with a wrong secret this way (an unknown one:
    // invalid_client)
    assertThat(token.error()).isEqualTo("unauthorized_client");
  }

  @Test
  void theRealmFileCarriesNoSecret() throws Exception {
    try (var in =
        LocalKeycloak.class.getResourceAsStream(
            "/org/alliedexchange/identity/realm/allied-realm.json")) {
      String realm = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      for (String value : keycloak.placeholders().values()) {
        if (!value.startsWith("http")) {
          assertThat(realm).doesNotContain(value);
        }
      }
      assertThat(realm).contains("\"secret\": \"${ALLIED_SECRET_KOR_JCS_PUBLISHER}\"");
    }
  }

  static List<String> audiences(JsonNode claims) {
    JsonNode aud = claims.path("aud");
    return aud.isArray() ? strings(aud) : List.of(aud.asString());
  }

  static List<String> strings(JsonNode array) {
    return array.isArray() ? array.valueStream().map(JsonNode::asString).toList() : List.of();
  }
}
