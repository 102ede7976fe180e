package org.alliedexchange.devservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a start says when the kept realm cannot be brought up to date, against a stand-in for
 * Keycloak's token and admin endpoints; and what it says was added.
 */
class RealmUpdateTest {

  private static final String SECRET = "a-client-secret-from-the-data-dir";
  private static final BootstrapAdmin ADMIN = new BootstrapAdmin("admin", "the-admin-password");
  private static final Path DATA = Path.of("/data/keycloak");

  private HttpServer keycloak;

  private RealmUpdate update(int tokenStatus, String tokenBody, int importStatus, String importBody)
      throws Exception {
    keycloak = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    keycloak.createContext(
        "/realms/master/protocol/openid-connect/token",
        exchange -> {
          byte[] body = tokenBody.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(tokenStatus, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    keycloak.createContext(
        "/admin/realms/allied/partialImport",
        exchange -> {
          byte[] body = importBody.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(importStatus, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    keycloak.start();
    URI url = URI.create("http://127.0.0.1:" + keycloak.getAddress().getPort());
    return new RealmUpdate(url, "allied", ADMIN, DATA, List.of(SECRET));
  }

  @AfterEach
  void stop() {
    if (keycloak != null) {
      keycloak.stop(0);
    }
  }

  private static ObjectNode realm() {
    return RealmImport.filled(
        "{\"clients\": [{\"clientId\": \"kor-hotline\", \"secret\": \"${ALLIED_S}\"}]}",
        Map.of("ALLIED_S", SECRET));
  }

  @Test
  void aRefusedAdministratorFailsTheStartNamingWhereItIsKeptAndFresh() throws Exception {
    RealmUpdate update =
        update(
            401,
            "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid user credentials\"}",
            200,
            "{}");

    assertThatThrownBy(() -> update.addMissing(realm()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "the realm \"allied\" in /data/keycloak could not be brought up to date with the realm"
                + " file: Keycloak refused the data directory's administrator \"admin\" (HTTP 401:"
                + " Invalid user credentials). It is kept in /data/keycloak/secrets.properties"
                + " (ADMIN_USERNAME, ADMIN_PASSWORD): if the master realm's administrator was"
                + " changed, put its username and password there, or start again with --fresh (a"
                + " new data directory: the realm imported anew from the file, with new secrets;"
                + " every change made in this one is lost)");
  }

  @Test
  void aRefusedImportFailsTheStartWithKeycloaksReasonAndNoSecret() throws Exception {
    RealmUpdate update =
        update(
            200,
            "{\"access_token\":\"t\"}",
            500,
            "{\"errorMessage\":\"could not create kor-hotline with secret " + SECRET + "\"}");

    assertThatThrownBy(() -> update.addMissing(realm()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "Keycloak refused to add to the realm what the realm file has and it lacks (HTTP 500:"
                + " could not create kor-hotline with secret ***); nothing was added (see"
                + " Keycloak's log, /data/keycloak/keycloak.log). Add what is missing as an"
                + " administrator, or start again with --fresh")
        .message()
        .doesNotContain(SECRET);
  }

  @Test
  void aKeycloakThatDoesNotAnswerFailsTheStart() throws Exception {
    RealmUpdate update = update(200, "{}", 200, "{}");
    keycloak.stop(0);

    assertThatThrownBy(() -> update.addMissing(realm()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "Keycloak did not answer while logging in as the data directory's administrator")
        .hasMessageContaining("start again with --fresh");
  }

  @Test
  void whatWasAddedIsNamedByKindWithoutTheNewClientsServiceAccounts() {
    RealmUpdate.Added added =
        RealmUpdate.added(
            """
            {"overwritten":0,"added":5,"skipped":40,"results":[
              {"action":"SKIPPED","resourceType":"CLIENT","resourceName":"kor-jcs-publisher","id":"1"},
              {"action":"ADDED","resourceType":"USER","resourceName":"service-account-kor-hotline","id":"2"},
              {"action":"ADDED","resourceType":"USER","resourceName":"kor-principal","id":"3"},
              {"action":"ADDED","resourceType":"CLIENT","resourceName":"kor-hotline","id":"4"},
              {"action":"ADDED","resourceType":"CLIENT","resourceName":"jpn-hotline","id":"5"},
              {"action":"ADDED","resourceType":"REALM_ROLE","resourceName":"hotline-relay","id":"6"}]}
            """);

    assertThat(added.nothing()).isFalse();
    assertThat(added.describe())
        .isEqualTo(
            "clients jpn-hotline, kor-hotline; realm roles hotline-relay; users kor-principal");
    assertThat(
            RealmUpdate.added(
                    "{\"results\":[{\"action\":\"SKIPPED\",\"resourceType\":\"USER\","
                        + "\"resourceName\":\"kor-principal\"}]}")
                .nothing())
        .isTrue();
  }
}
