package org.alliedexchange.identity;

import static org.alliedexchange.identity.RealmTokenIT.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.client.ClientCredentials;
import org.alliedexchange.client.ClientCredentials.TokenResponse;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.identity.admin.Identity;
import org.alliedexchange.identity.admin.IdentityAdmin;
import org.alliedexchange.identity.admin.IdentityException;
import org.alliedexchange.policy.FederationConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** The administrators' tools against a real Keycloak, and the audit records their changes leave. */
@ExtendWith(LocalIdentityServers.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdentityAdminIT {

  private final LocalKeycloak keycloak = LocalIdentityServers.servers().keycloak();
  private IdentityAdmin admin;

  @BeforeEach
  void connect() {
    admin =
        IdentityAdmin.connect(
            keycloak.url(),
            LocalKeycloak.REALM,
            "master",
            keycloak.adminUsername(),
            keycloak.adminPassword(),
            FederationConfig.loadDefault());
  }

  @AfterEach
  void disconnect() {
    admin.close();
  }

  @Test
  void anOnboardedSystemGetsAWorkingTokenAtOnce() {
    String clientId = unique("kor-navy-reader");

    String secret =
        admin.onboardSystem(
            clientId,
            "KOR",
            "SECRET",
            List.of("MISSILE_WARNING", "MARITIME"),
            List.of("exchange-read"),
            "ROK Navy operations reader");
    TokenResponse token = ClientCredentials.request(keycloak.tokenEndpoint(), clientId, secret);

    assertThat(token.granted()).as(token.errorDescription()).isTrue();
    JsonNode claims = ClientCredentials.unverifiedClaims(token.accessToken());
    assertThat(claims.path("nation").asString()).isEqualTo("KOR");
    assertThat(claims.path("clearance").asString()).isEqualTo("SECRET");
    assertThat(strings(claims.path("communities")))
        .containsExactlyInAnyOrder("MISSILE_WARNING", "MARITIME");
    assertThat(strings(claims.path("roles"))).containsExactly("exchange-read");
    assertThat(RealmTokenIT.audiences(claims)).contains(LocalKeycloak.GATEWAY_AUDIENCE);
    assertThat(admin.systems())
        .extracting(Identity::name)
        .contains(clientId, "kor-jcs-publisher", "usa-dia-reader");
  }

  @Test
  void aRotatedSecretStopsTheOldOne() {
    String clientId = unique("jpn-asdf-reader");
    String old =
        admin.onboardSystem(clientId, "JPN", "SECRET", List.of(), List.of("exchange-read"), null);

    String fresh = admin.rotateSecret(clientId);

    assertThat(fresh).isNotEqualTo(old);
    TokenResponse withOld = ClientCredentials.request(keycloak.tokenEndpoint(), clientId, old);
    assertThat(withOld.granted()).isFalse();
    assertThat(withOld.error()).isEqualTo("unauthorized_client");
    assertThat(ClientCredentials.request(keycloak.tokenEndpoint(), clientId, fresh).granted())
        .isTrue();
  }

  @Test
  void aClearanceAndCommunitiesChangeShowsInTheNextToken() {
    String clientId = unique("usa-nsa-reader");
    String secret =
        admin.onboardSystem(
            clientId, "USA", "SECRET", List.of("MISSILE_WARNING"), List.of("exchange-read"), null);

    admin.setClearance(clientId, "TOP_SECRET");
    admin.setCommunities(clientId, List.of("SIGINT"));
    JsonNode claims =
        ClientCredentials.unverifiedClaims(
            ClientCredentials.request(keycloak.tokenEndpoint(), clientId, secret).accessToken());

    assertThat(claims.path("clearance").asString()).isEqualTo("TOP_SECRET");
    assertThat(strings(claims.path("communities"))).containsExactly("SIGINT");
    assertThat(admin.describe(clientId).clearance()).isEqualTo("TOP_SECRET");
  }

  @Test
  void aDisabledSystemGetsNoTokenUntilReEnabled() {
    String clientId = unique("kor-army-reader");
    String secret =
        admin.onboardSystem(
            clientId, "KOR", "CONFIDENTIAL", List.of(), List.of("exchange-read"), null);

    admin.setEnabled(clientId, false);
    TokenResponse refused = ClientCredentials.request(keycloak.tokenEndpoint(), clientId, secret);
    admin.setEnabled(clientId, true);

    assertThat(refused.granted()).isFalse();
    assertThat(refused.status()).isIn(400, 401);
    assertThat(admin.describe(clientId).enabled()).isTrue();
    assertThat(ClientCredentials.request(keycloak.tokenEndpoint(), clientId, secret).granted())
        .isTrue();
  }

  @Test
  void anAddedAuditorIsListedWithNationAndRole() {
    String username = unique("kor-auditor-2");

    String password =
        admin.addPerson(username, "KOR", "SECRET", List.of("auditor"), "Min-jun", "Kim");

    assertThat(password).hasSizeGreaterThanOrEqualTo(12);
    assertThat(admin.people())
        .filteredOn(p -> p.name().equals(username))
        .singleElement()
        .satisfies(
            person -> {
              assertThat(person.nation()).isEqualTo("KOR");
              assertThat(person.roles()).containsExactly("auditor");
              assertThat(person.kind()).isEqualTo(Identity.PERSON);
            });
    assertThat(admin.people())
        .extracting(Identity::name)
        .contains("kor-auditor", "jpn-auditor", "usa-auditor", "federation-admin");
  }

  @Test
  void unknownNationsLevelsAndRolesAreRefusedWithAClearMessage() {
    assertThatThrownBy(
            () ->
                admin.onboardSystem(
                    unique("gbr-reader"),
                    "GBR",
                    "SECRET",
                    List.of(),
                    List.of("exchange-read"),
                    null))
        .isInstanceOf(IdentityException.class)
        .hasMessage("unknown nation \"GBR\"; the federation knows [KOR, JPN, USA]");
    assertThatThrownBy(
            () ->
                admin.onboardSystem(
                    unique("kor-x"), "KOR", "COSMIC", List.of(), List.of("exchange-read"), null))
        .isInstanceOf(IdentityException.class)
        .hasMessageStartingWith("unknown clearance \"COSMIC\"");
    assertThatThrownBy(
            () ->
                admin.onboardSystem(
                    unique("kor-y"), "KOR", "SECRET", List.of(), List.of("root"), null))
        .isInstanceOf(IdentityException.class)
        .hasMessageStartingWith("unknown role \"root\"");
    assertThatThrownBy(() -> admin.setClearance("kor-jcs-publisher", "SECERT"))
        .isInstanceOf(IdentityException.class)
        .hasMessageStartingWith("unknown clearance \"SECERT\"");
    assertThatThrownBy(() -> admin.rotateSecret("nobody-here"))
        .isInstanceOf(IdentityException.class)
        .hasMessage("no national system \"nobody-here\"");
  }

  @Test
  void anAdminChangeReachesTheAuditStream() {
    String clientId = unique("jpn-gsdf-reader");

    admin.onboardSystem(clientId, "JPN", "SECRET", List.of(), List.of("exchange-read"), null);
    admin.setClearance(clientId, "CONFIDENTIAL");

    List<AuditEvent> events = auditEvents();
    assertThat(events)
        .filteredOn(e -> e.getIdentityChanged().getSummary().contains(clientId))
        .anySatisfy(
            e -> {
              assertThat(e.getIdentityChanged().getOperation()).isEqualTo("CREATE");
              assertThat(e.getIdentityChanged().getResourceType()).isEqualTo("CLIENT");
              assertThat(e.getIdentityChanged().getChangedBy()).isEqualTo("admin@master");
              assertThat(e.getIdentityChanged().getRealm()).isEqualTo("allied");
            })
        .anySatisfy(
            e -> {
              assertThat(e.getIdentityChanged().getOperation()).isEqualTo("UPDATE");
              assertThat(e.getIdentityChanged().getNation()).isEqualTo("JPN");
              assertThat(e.getIdentityChanged().getSummary()).contains("clearance=[CONFIDENTIAL]");
            })
        .allSatisfy(
            e -> {
              assertThat(e.getEventId()).isNotBlank();
              assertThat(e.getSource()).isEqualTo("keycloak/allied");
              assertThat(e.getOccurredAt().getSeconds()).isPositive();
            });
    // the record never carries the client secret
    assertThat(events)
        .noneSatisfy(
            e -> assertThat(e.getIdentityChanged().getSummary()).containsIgnoringCase("secret\""));
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void anIdentityChangeThatCannotBeAuditedDoesNotHappen() {
    LocalIdentityServers.Servers servers = LocalIdentityServers.servers();
    String clientId = unique("kor-unaudited");
    servers.redis().stop();
    try {
      assertThatThrownBy(
              () ->
                  admin.onboardSystem(
                      clientId, "KOR", "SECRET", List.of(), List.of("exchange-read"), null))
          .isInstanceOf(IdentityException.class)
          .hasMessageContaining("Keycloak answered 500");
    } finally {
      servers.redis().restart();
    }
    assertThat(admin.systems()).extracting(Identity::name).doesNotContain(clientId);
    // once Redis is back, changes are audited and happen again, with nothing to restart (a pooled
    // connection the restart broke may fail one change within the first second: a new name each
    // try)
    List<String> tried = new java.util.ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(500))
        .ignoreException(IdentityException.class)
        .until(
            () -> {
              tried.add(unique("kor-audited-again"));
              admin.onboardSystem(
                  tried.get(tried.size() - 1),
                  "KOR",
                  "SECRET",
                  List.of(),
                  List.of("exchange-read"),
                  null);
              return true;
            });
    assertThat(admin.systems()).extracting(Identity::name).contains(tried.get(tried.size() - 1));
  }

  /** Every event on the audit stream, parsed from the binary entries. */
  static List<AuditEvent> auditEvents() {
    return AuditStreamReader.readAll(
        LocalIdentityServers.servers().redis().url(), AuditWriter.identity().streamKey());
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
