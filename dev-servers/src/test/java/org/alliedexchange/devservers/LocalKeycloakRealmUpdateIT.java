package org.alliedexchange.devservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A data directory made with an older realm file, started again with a newer one: what the newer
 * file adds reaches the running realm, and what an administrator changed stays.
 */
class LocalKeycloakRealmUpdateIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void aKeptRealmGainsTheNewFilesClientAndPersonAndKeepsARotatedSecret() throws Exception {
    Path dir = Files.createTempDirectory("allied-realm-update-");
    Path olderFile = dir.resolve("older-realm.json");
    Files.writeString(olderFile, olderRealm(), StandardCharsets.UTF_8);
    Path data = dir.resolve("keycloak");
    List<String> progress = new CopyOnWriteArrayList<>();
    String rotated;
    try (LocalRedis redis = LocalRedis.start(dir.resolve("redis"))) {
      URI auditRedis = redis.url(LocalRedis.User.IDENTITY_LISTENER);
      try (LocalKeycloak older =
          LocalKeycloak.builder()
              .dataDir(data)
              .auditRedis(auditRedis)
              .realmFile(olderFile)
              .progress(show(progress))
              .start()) {
        assertThat(clientToken(older, "kor-hotline", "any").statusCode()).isEqualTo(401);
        rotated = rotateSecret(older, "kor-jcs-publisher");
        // say its secret leaked: an administrator deletes the system
        deleteClient(older, "usa-dia-reader");
      }
      assertThat(progress).noneMatch(line -> line.contains("brought up to date"));

      progress.clear();
      try (LocalKeycloak newer =
          LocalKeycloak.builder()
              .dataDir(data)
              .auditRedis(auditRedis)
              .progress(show(progress))
              .start()) {
        assertThat(progress)
            .anySatisfy(
                line ->
                    assertThat(line)
                        .startsWith("keycloak: realm brought up to date with the realm file in ")
                        .endsWith(": added clients kor-hotline; users kor-principal"));
        assertThat(String.join("\n", progress))
            .doesNotContain(newer.clientSecret("kor-hotline"))
            .doesNotContain(newer.password("kor-principal"));

        HttpResponse<String> hotline =
            clientToken(newer, "kor-hotline", newer.clientSecret("kor-hotline"));
        assertThat(hotline.statusCode()).as(hotline.body()).isEqualTo(200);
        JsonNode claims = claims(hotline);
        assertThat(claims.path("nation").asString()).isEqualTo("KOR");
        assertThat(claims.path("roles").toString()).contains("hotline-relay");

        HttpResponse<String> principal =
            post(
                newer.tokenEndpoint(),
                Map.of(
                    "grant_type", "password",
                    "client_id", "admin-cli",
                    "username", "kor-principal",
                    "password", newer.password("kor-principal")));
        assertThat(principal.statusCode()).as(principal.body()).isEqualTo(200);

        // the administrator's rotation stands; the file's secret, kept for the data, is refused
        assertThat(clientToken(newer, "kor-jcs-publisher", rotated).statusCode()).isEqualTo(200);
        assertThat(
                clientToken(newer, "kor-jcs-publisher", newer.clientSecret("kor-jcs-publisher"))
                    .statusCode())
            .isEqualTo(401);

        // what an administrator deleted stays deleted, its leaked secret with it
        assertThat(
                clientToken(newer, "usa-dia-reader", newer.clientSecret("usa-dia-reader"))
                    .statusCode())
            .isEqualTo(401);

        // up to date now: a further update adds nothing, so a start prints nothing about it
        RealmImport.Values values =
            RealmImport.prepare(
                Files.createTempDirectory("allied-keycloak-home-"),
                data,
                "http://127.0.0.1:8080",
                null);
        assertThat(update(newer, values.admin(), values).addMissing(values.filledRealm()).nothing())
            .isTrue();

        // an administrator Keycloak refuses stops the update, saying what to do (of a data
        // directory from before the record of what its realm has had, so there is work to do)
        Files.delete(RealmUpdate.appliedFile(data));
        BootstrapAdmin changed = new BootstrapAdmin("admin", "not-the-administrators-password");
        assertThatThrownBy(() -> update(newer, changed, values).addMissing(values.filledRealm()))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("could not be brought up to date with the realm file")
            .hasMessageContaining(
                "refused the data directory's administrator \"admin\" (HTTP 400: Invalid user"
                    + " credentials)")
            .hasMessageContaining("ADMIN_PASSWORD")
            .hasMessageContaining("--fresh")
            .message()
            .doesNotContain("not-the-administrators-password");
      }
    }
  }

  /** Keeps the start's progress lines for the test, and shows them as a start does. */
  private static Consumer<String> show(List<String> progress) {
    return line -> {
      progress.add(line);
      System.err.println(line);
    };
  }

  private static RealmUpdate update(
      LocalKeycloak keycloak, BootstrapAdmin admin, RealmImport.Values values) {
    return new RealmUpdate(
        keycloak.url(),
        LocalKeycloak.REALM,
        admin,
        keycloak.dataDir(),
        values.placeholders().values());
  }

  /** The realm file without kor-hotline (and its service account) and kor-principal. */
  private static String olderRealm() throws Exception {
    ObjectNode realm;
    try (InputStream in = RealmImport.class.getResourceAsStream(RealmImport.REALM_RESOURCE)) {
      realm = (ObjectNode) JSON.readTree(in);
    }
    remove((ArrayNode) realm.get("clients"), "clientId", "kor-hotline");
    remove((ArrayNode) realm.get("users"), "username", "service-account-kor-hotline");
    remove((ArrayNode) realm.get("users"), "username", "kor-principal");
    return JSON.writeValueAsString(realm);
  }

  private static void remove(ArrayNode entries, String field, String value) {
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).path(field).asString().equals(value)) {
        entries.remove(i);
        return;
      }
    }
    throw new AssertionError("the realm file has no " + value);
  }

  private static HttpResponse<String> clientToken(
      LocalKeycloak keycloak, String clientId, String secret) throws Exception {
    return post(
        keycloak.tokenEndpoint(),
        Map.of(
            "grant_type", "client_credentials",
            "client_id", clientId,
            "client_secret", secret));
  }

  /** Deletes the client through the admin API as the master realm's administrator. */
  private static void deleteClient(LocalKeycloak keycloak, String clientId) throws Exception {
    String token = adminToken(keycloak);
    HttpResponse<String> deleted =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(clientAddress(keycloak, token, clientId)))
                .header("Authorization", "Bearer " + token)
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
  }

  /** A new secret for the client, through the admin API as the master realm's administrator. */
  private static String rotateSecret(LocalKeycloak keycloak, String clientId) throws Exception {
    String token = adminToken(keycloak);
    HttpResponse<String> rotated =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(clientAddress(keycloak, token, clientId) + "/client-secret"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
    return JSON.readTree(rotated.body()).path("value").asString();
  }

  /** The admin API's address of the client {@code clientId}. */
  private static String clientAddress(LocalKeycloak keycloak, String token, String clientId)
      throws Exception {
    String clients = keycloak.url() + "/admin/realms/" + LocalKeycloak.REALM + "/clients";
    HttpResponse<String> found =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(clients + "?clientId=" + clientId))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return clients + "/" + JSON.readTree(found.body()).path(0).path("id").asString();
  }

  private static String adminToken(LocalKeycloak keycloak) throws Exception {
    HttpResponse<String> login =
        post(
            URI.create(keycloak.url() + "/realms/master/protocol/openid-connect/token"),
            Map.of(
                "grant_type",
                "password",
                "client_id",
                "admin-cli",
                "username",
                keycloak.adminUsername(),
                "password",
                keycloak.adminPassword()));
    return JSON.readTree(login.body()).path("access_token").asString();
  }

  private static HttpResponse<String> post(URI uri, Map<String, String> form) throws Exception {
    String body =
        form.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return HTTP.send(
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode claims(HttpResponse<String> tokenResponse) {
    String token = JSON.readTree(tokenResponse.body()).path("access_token").asString();
    return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
  }
}
