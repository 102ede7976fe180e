package org.alliedexchange.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.client.ClientCredentials;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.identity.admin.IdentityAdmin;
import org.alliedexchange.identity.admin.IdentityException;
import org.alliedexchange.policy.FederationConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.OAuth2Constants;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.ClientScopeRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * Administrators stay in their nation, against Keycloak's own admin API as much as through our
 * tools; the automation account changes no identity; Keycloak's own clients get no gateway token.
 */
@ExtendWith(LocalIdentityServers.class)
class NationBoundaryIT {

  private final LocalKeycloak keycloak = LocalIdentityServers.servers().keycloak();
  private Keycloak master;
  private Keycloak usa;
  private String usaAdmin;
  private String usaPassword;

  @BeforeEach
  void aUsaAdministrator() {
    master = login("master", keycloak.adminUsername(), keycloak.adminPassword());
    usaAdmin = unique("usa-admin");
    usaPassword = "Usa-admin-" + UUID.randomUUID();
    try (IdentityAdmin admin = masterTools()) {
      admin.addPerson(usaAdmin, "USA", "SECRET", List.of("federation-admin"), "Pat", "Smith");
    }
    CredentialRepresentation password = new CredentialRepresentation();
    password.setType(CredentialRepresentation.PASSWORD);
    password.setValue(usaPassword);
    password.setTemporary(false);
    allied(master).users().get(userId(usaAdmin)).resetPassword(password);
    usa = login(LocalKeycloak.REALM, usaAdmin, usaPassword);
  }

  @AfterEach
  void close() {
    usa.close();
    master.close();
  }

  @Test
  void aUsaAdministratorCannotCreateAKoreanSystemThroughKeycloaksAdminApi() {
    String clientId = unique("kor-planted");
    ClientRepresentation client = new ClientRepresentation();
    client.setClientId(clientId);
    client.setServiceAccountsEnabled(true);
    client.setPublicClient(false);
    client.setAttributes(new HashMap<>(Map.of("nation", "KOR")));

    try (Response response = allied(usa).clients().create(client)) {
      assertThat(response.getStatus()).isEqualTo(403);
      assertThat(response.readEntity(String.class))
          .contains("an administrator of USA may change only identities of USA");
    }
    assertThat(allied(master).clients().findByClientId(clientId)).isEmpty();
  }

  @Test
  void aUsaAdministratorCannotResetAJapaneseAuditorsPassword() {
    CredentialRepresentation password = new CredentialRepresentation();
    password.setType(CredentialRepresentation.PASSWORD);
    password.setValue("Taken-over-" + UUID.randomUUID());
    password.setTemporary(false);

    assertThatThrownBy(() -> allied(usa).users().get(userId("jpn-auditor")).resetPassword(password))
        .isInstanceOf(WebApplicationException.class)
        .satisfies(e -> assertThat(status(e)).isEqualTo(403));
    // the auditor's own password still works, the administrator's does not
    try (Keycloak auditor =
        login(LocalKeycloak.REALM, "jpn-auditor", keycloak.password("jpn-auditor"))) {
      assertThat(auditor.tokenManager().getAccessTokenString()).isNotBlank();
    }
  }

  @Test
  void aUsaAdministratorCannotMoveAKoreanSystemIntoItsNationNorChangeRealmSettings() {
    String account = userId("service-account-kor-mnd-reader");
    UserRepresentation moved = allied(master).users().get(account).toRepresentation();
    moved.getAttributes().put("nation", List.of("USA"));

    assertThatThrownBy(() -> allied(usa).users().get(account).update(moved))
        .isInstanceOf(WebApplicationException.class)
        .satisfies(e -> assertThat(status(e)).isEqualTo(403));
    assertThat(allied(master).users().get(account).toRepresentation().getAttributes().get("nation"))
        .containsExactly("KOR");

    ClientScopeRepresentation scope = new ClientScopeRepresentation();
    scope.setName(unique("usa-scope"));
    scope.setProtocol("openid-connect");
    try (Response response = allied(usa).clientScopes().create(scope)) {
      assertThat(response.getStatus()).isEqualTo(403);
    }
  }

  @Test
  void ourToolsRefuseTheSameAndStillOnboardTheAdministratorsOwnNation() {
    try (IdentityAdmin tools =
        IdentityAdmin.connect(
            keycloak.url(),
            LocalKeycloak.REALM,
            LocalKeycloak.REALM,
            usaAdmin,
            usaPassword,
            FederationConfig.loadDefault())) {
      String korean = unique("kor-navy-reader");
      assertThatThrownBy(
              () ->
                  tools.onboardSystem(
                      korean, "KOR", "SECRET", List.of(), List.of("exchange-read"), null))
          .isInstanceOf(IdentityException.class)
          .hasMessageContaining("Keycloak answered 403")
          .hasMessageContaining("an administrator of USA may change only identities of USA");
      assertThatThrownBy(() -> tools.setClearance("kor-jcs-publisher", "UNCLASSIFIED"))
          .isInstanceOf(IdentityException.class)
          .hasMessageContaining("Keycloak answered 403");

      String american = unique("usa-navy-reader");
      String secret =
          tools.onboardSystem(american, "USA", "SECRET", List.of(), List.of("exchange-read"), null);
      var token = ClientCredentials.request(keycloak.tokenEndpoint(), american, secret);
      assertThat(token.granted()).as(token.errorDescription()).isTrue();
      assertThat(ClientCredentials.unverifiedClaims(token.accessToken()).path("nation").asString())
          .isEqualTo("USA");
    }
    assertThat(allied(master).users().get(userId("service-account-kor-jcs-publisher")))
        .satisfies(
            u ->
                assertThat(u.toRepresentation().getAttributes().get("clearance"))
                    .containsExactly("TOP_SECRET"));
  }

  @Test
  void theAutomationAccountChangesNoIdentity() {
    try (Keycloak automation =
        KeycloakBuilder.builder()
            .serverUrl(keycloak.url().toString())
            .realm(LocalKeycloak.REALM)
            .clientId("federation-automation")
            .clientSecret(keycloak.clientSecret("federation-automation"))
            .grantType(OAuth2Constants.CLIENT_CREDENTIALS)
            .build()) {
      UserRepresentation person = new UserRepresentation();
      person.setUsername(unique("kor-planted-auditor"));
      person.setEnabled(true);
      person.setAttributes(Map.of("nation", List.of("KOR")));

      try (Response response = allied(automation).users().create(person)) {
        assertThat(response.getStatus()).isEqualTo(403);
      }
      assertThatThrownBy(() -> allied(automation).clients().findAll())
          .isInstanceOf(WebApplicationException.class)
          .satisfies(e -> assertThat(status(e)).isEqualTo(403));
    }
  }

  @Test
  void aPasswordGrantThroughAdminCliGetsNoTokenTheGatewayAccepts() {
    String token;
    try (Keycloak viaAdminCli =
        login(LocalKeycloak.REALM, "kor-auditor", keycloak.password("kor-auditor"))) {
      token = viaAdminCli.tokenManager().getAccessTokenString();
    }
    TokenValidator gateway =
        new TokenValidator(
            keycloak.issuer(),
            URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"),
            LocalKeycloak.GATEWAY_AUDIENCE,
            Duration.ofSeconds(30));

    assertThat(RealmTokenIT.audiences(ClientCredentials.unverifiedClaims(token)))
        .doesNotContain(LocalKeycloak.GATEWAY_AUDIENCE);
    assertThatThrownBy(() -> gateway.validate(token))
        .isInstanceOf(TokenValidator.InvalidTokenException.class);
  }

  @Test
  void aClientCreatedWithoutAskingForTheAlliedScopeGetsNoGatewayAudience() {
    // e.g. a tool an operator adds in the admin console: the realm gives new clients no allied
    // scope
    String clientId = unique("ops-tool");
    ClientRepresentation tool = new ClientRepresentation();
    tool.setClientId(clientId);
    tool.setPublicClient(true);
    tool.setDirectAccessGrantsEnabled(true);
    try (Response response = allied(master).clients().create(tool)) {
      assertThat(response.getStatus()).isEqualTo(201);
    }

    String token;
    try (Keycloak viaTool =
        KeycloakBuilder.builder()
            .serverUrl(keycloak.url().toString())
            .realm(LocalKeycloak.REALM)
            .clientId(clientId)
            .grantType(OAuth2Constants.PASSWORD)
            .username("kor-auditor")
            .password(keycloak.password("kor-auditor"))
            .build()) {
      token = viaTool.tokenManager().getAccessTokenString();
    }

    assertThat(RealmTokenIT.audiences(ClientCredentials.unverifiedClaims(token)))
        .doesNotContain(LocalKeycloak.GATEWAY_AUDIENCE);
  }

  @Test
  void aRealmWideChangeIsRecordedForTheWholeFederation() {
    String name = unique("federation-scope");
    ClientScopeRepresentation scope = new ClientScopeRepresentation();
    scope.setName(name);
    scope.setProtocol("openid-connect");

    try (Response response = allied(master).clientScopes().create(scope)) {
      assertThat(response.getStatus()).isEqualTo(201);
    }

    List<AuditEvent> events = IdentityAdminIT.auditEvents();
    assertThat(events)
        .filteredOn(e -> e.getIdentityChanged().getResourceType().equals("CLIENT_SCOPE"))
        .filteredOn(e -> e.getIdentityChanged().getOperation().equals("CREATE"))
        .anySatisfy(
            e -> {
              assertThat(e.getIdentityChanged().getNation()).isEmpty();
              assertThat(e.getIdentityChanged().getChangedBy()).isEqualTo("admin@master");
            });
  }

  private Keycloak login(String realm, String username, String password) {
    return KeycloakBuilder.builder()
        .serverUrl(keycloak.url().toString())
        .realm(realm)
        .clientId("admin-cli")
        .grantType(OAuth2Constants.PASSWORD)
        .username(username)
        .password(password)
        .build();
  }

  private IdentityAdmin masterTools() {
    return IdentityAdmin.connect(
        keycloak.url(),
        LocalKeycloak.REALM,
        "master",
        keycloak.adminUsername(),
        keycloak.adminPassword(),
        FederationConfig.loadDefault());
  }

  private static RealmResource allied(Keycloak keycloak) {
    return keycloak.realm(LocalKeycloak.REALM);
  }

  private String userId(String username) {
    return allied(master).users().searchByUsername(username, true).get(0).getId();
  }

  private static int status(Throwable e) {
    return ((WebApplicationException) e).getResponse().getStatus();
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
