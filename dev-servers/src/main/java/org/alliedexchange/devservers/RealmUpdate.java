package org.alliedexchange.devservers;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Brings a kept realm up to date with the realm file, additively: Keycloak imports the file only
 * when the realm does not exist yet, so a data directory from an older file would lack what a newer
 * one adds (a system, a person, a role). Keycloak's partial import with {@code ifResourceExists:
 * SKIP}, as the data directory's bootstrap administrator, adds the clients, users, roles and groups
 * the realm lacks, in one transaction, and leaves every existing one exactly as it is: what an
 * administrator changed (a rotated secret, a disabled person, a clearance) stays.
 *
 * <p>It does not reconcile anything that exists: a changed protocol mapper, client scope or
 * attribute of an existing client or user, a role's changed composites, realm settings, client
 * scopes and components. Those need a fresh data directory or an administrator's change.
 */
final class RealmUpdate {

  /** What the partial import reads of a realm file; the rest of the file is realm settings. */
  private static final List<String> IMPORTED =
      List.of("clients", "roles", "identityProviders", "groups", "users");

  private static final Map<String, String> KINDS = kinds();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int MAX_ERROR_CHARS = 300;

  private final URI url;
  private final String realm;
  private final BootstrapAdmin admin;
  private final Path dataDir;
  private final Collection<String> secrets;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * @param secrets every value that must not appear in a message (the placeholders' values)
   */
  RealmUpdate(
      URI url, String realm, BootstrapAdmin admin, Path dataDir, Collection<String> secrets) {
    this.url = url;
    this.realm = realm;
    this.admin = admin;
    this.dataDir = dataDir;
    this.secrets = secrets;
  }

  /** What the partial import added, by kind ("clients", "realm roles", "users", ...). */
  record Added(Map<String, List<String>> byKind) {

    boolean nothing() {
      return byKind.isEmpty();
    }

    /**
     * E.g. "clients kor-hotline, jpn-hotline; users kor-principal". A new client's service account
     * comes with the client and is not named.
     */
    String describe() {
      Set<String> accounts =
          byKind.getOrDefault("clients", List.of()).stream()
              .map(client -> "service-account-" + client)
              .collect(Collectors.toSet());
      List<String> parts = new ArrayList<>();
      byKind.forEach(
          (kind, names) -> {
            List<String> shown = names.stream().filter(name -> !accounts.contains(name)).toList();
            if (!shown.isEmpty()) {
              parts.add(kind + " " + String.join(", ", shown));
            }
          });
      return String.join("; ", parts);
    }
  }

  /**
   * Adds what {@code filledRealm} (the realm file with its placeholders filled) has and the running
   * realm lacks.
   *
   * @throws IllegalStateException naming what to do, when the administrator is refused or Keycloak
   *     refuses the import; nothing is added then
   */
  Added addMissing(ObjectNode filledRealm) {
    Set<String> applied = applied(dataDir);
    ObjectNode request = JSON.createObjectNode();
    request.put("ifResourceExists", "SKIP");
    for (String part : IMPORTED) {
      if (filledRealm.has(part)) {
        request.set(part, neverApplied(part, filledRealm.get(part).deepCopy(), applied));
      }
    }
    if (applied != null && names(request).isEmpty()) {
      return new Added(Map.of()); // the file names nothing this data directory has not had
    }
    String token = adminToken();
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(URI.create(url + "/admin/realms/" + realm + "/partialImport"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)))
                .build(),
            "adding to the realm what the realm file has and it lacks");
    if (response.statusCode() != 200) {
      throw refused(
          "Keycloak refused to add to the realm what the realm file has and it lacks"
              + answer(response)
              + "; nothing was added (see Keycloak's log, "
              + dataDir.resolve("keycloak.log")
              + "). Add what is missing as an administrator, or");
    }
    Added added = added(response.body());
    recordApplied(dataDir, filledRealm);
    return added;
  }

  /** The file naming every client, user, role, group and identity provider this realm has had. */
  static Path appliedFile(Path dataDir) {
    return dataDir.resolve("realm-applied.txt");
  }

  /**
   * Records that the realm has had everything {@code realm} names: from then on, one an
   * administrator deletes stays deleted (the update adds only names the realm never had, so a
   * client deleted because its secret leaked does not come back with that secret).
   */
  static void recordApplied(Path dataDir, ObjectNode realm) {
    Set<String> all = new TreeSet<>(names(realm));
    Set<String> before = applied(dataDir);
    if (before != null) {
      all.addAll(before);
    }
    try {
      Path tmp = dataDir.resolve("realm-applied.txt.tmp");
      java.nio.file.Files.writeString(tmp, String.join("\n", all) + "\n", StandardCharsets.UTF_8);
      java.nio.file.Files.move(
          tmp,
          appliedFile(dataDir),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(
          "could not record what the realm has had in " + appliedFile(dataDir), e);
    }
  }

  /** What the realm has had, or null for a data directory from before this record was kept. */
  static Set<String> applied(Path dataDir) {
    Path file = appliedFile(dataDir);
    if (!java.nio.file.Files.exists(file)) {
      return null;
    }
    try {
      return java.nio.file.Files.readAllLines(file, StandardCharsets.UTF_8).stream()
          .filter(line -> !line.isBlank())
          .collect(Collectors.toCollection(TreeSet::new));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("could not read " + file, e);
    }
  }

  /** "client:kor-hotline", "user:kor-principal", "realm-role:auditor", ... of {@code realm}. */
  static Set<String> names(JsonNode realm) {
    Set<String> names = new TreeSet<>();
    realm.path("clients").forEach(c -> names.add("client:" + c.path("clientId").asString("")));
    realm.path("users").forEach(u -> names.add("user:" + u.path("username").asString("")));
    realm.path("groups").forEach(g -> names.add("group:" + g.path("name").asString("")));
    realm
        .path("identityProviders")
        .forEach(i -> names.add("identity-provider:" + i.path("alias").asString("")));
    realm
        .path("roles")
        .path("realm")
        .forEach(r -> names.add("realm-role:" + r.path("name").asString("")));
    realm
        .path("roles")
        .path("client")
        .properties()
        .forEach(
            client ->
                client
                    .getValue()
                    .forEach(
                        r ->
                            names.add(
                                "client-role:"
                                    + client.getKey()
                                    + "/"
                                    + r.path("name").asString(""))));
    return names;
  }

  /** {@code part} of the realm file without what the realm has had ({@code applied}, if known). */
  private static JsonNode neverApplied(String part, JsonNode value, Set<String> applied) {
    if (applied == null) {
      return value;
    }
    switch (part) {
      case "clients" ->
          keepOnly(value, node -> "client:" + node.path("clientId").asString(""), applied);
      case "users" ->
          keepOnly(value, node -> "user:" + node.path("username").asString(""), applied);
      case "groups" -> keepOnly(value, node -> "group:" + node.path("name").asString(""), applied);
      case "identityProviders" ->
          keepOnly(value, node -> "identity-provider:" + node.path("alias").asString(""), applied);
      case "roles" -> {
        keepOnly(
            value.path("realm"), node -> "realm-role:" + node.path("name").asString(""), applied);
        value
            .path("client")
            .properties()
            .forEach(
                client ->
                    keepOnly(
                        client.getValue(),
                        node ->
                            "client-role:" + client.getKey() + "/" + node.path("name").asString(""),
                        applied));
      }
      default -> {}
    }
    return value;
  }

  private static void keepOnly(
      JsonNode array, java.util.function.Function<JsonNode, String> name, Set<String> applied) {
    if (array instanceof tools.jackson.databind.node.ArrayNode list) {
      for (int i = list.size() - 1; i >= 0; i--) {
        if (applied.contains(name.apply(list.get(i)))) {
          list.remove(i);
        }
      }
    }
  }

  /** The added names by kind from the import's answer, kinds in a fixed order, names sorted. */
  static Added added(String answer) {
    Map<String, Set<String>> found = new LinkedHashMap<>();
    KINDS.values().forEach(kind -> found.put(kind, new TreeSet<>()));
    for (JsonNode result : JSON.readTree(answer).path("results")) {
      if (result.path("action").asString().equals("ADDED")) {
        // the enum's name (CLIENT), or its display name (Client) should Keycloak write that
        String type = result.path("resourceType").asString().toUpperCase().replace(' ', '_');
        found
            .computeIfAbsent(KINDS.getOrDefault(type, type.toLowerCase()), kind -> new TreeSet<>())
            .add(result.path("resourceName").asString());
      }
    }
    Map<String, List<String>> byKind = new LinkedHashMap<>();
    found.forEach(
        (kind, names) -> {
          if (!names.isEmpty()) {
            byKind.put(kind, List.copyOf(names));
          }
        });
    return new Added(byKind);
  }

  /** The master realm's admin-cli password grant, as the data directory's administrator. */
  private String adminToken() {
    String form =
        "grant_type=password&client_id=admin-cli&username="
            + URLEncoder.encode(admin.username(), StandardCharsets.UTF_8)
            + "&password="
            + URLEncoder.encode(admin.password(), StandardCharsets.UTF_8);
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(URI.create(url + "/realms/master/protocol/openid-connect/token"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build(),
            "logging in as the data directory's administrator");
    String token = null;
    if (response.statusCode() == 200) {
      try {
        token = JSON.readTree(response.body()).path("access_token").asString(null);
      } catch (JacksonException unreadable) {
        // refused below
      }
    }
    if (token == null || token.isBlank()) {
      throw refused(
          "Keycloak refused the data directory's administrator \""
              + admin.username()
              + "\""
              + answer(response)
              + ". It is kept in "
              + dataDir.resolve("secrets.properties")
              + " (ADMIN_USERNAME, ADMIN_PASSWORD): if the master realm's administrator was changed,"
              + " put its username and password there, or");
    }
    return token;
  }

  private HttpResponse<String> send(HttpRequest request, String doing) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw refused(
          "Keycloak did not answer while "
              + doing
              + " ("
              + redacted(String.valueOf(e.getMessage()))
              + "; see its log, "
              + dataDir.resolve("keycloak.log")
              + "). Try again, or");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + doing, e);
    }
  }

  /** The refusal, ending with the way out that always works. */
  private IllegalStateException refused(String whatAndFirstRemedy) {
    return new IllegalStateException(
        "the realm \""
            + realm
            + "\" in "
            + dataDir
            + " could not be brought up to date with the realm file: "
            + whatAndFirstRemedy
            + " start again with --fresh (a new data directory: the realm imported anew from the"
            + " file, with new secrets; every change made in this one is lost)");
  }

  /** " (HTTP 401: Invalid user credentials)": Keycloak's own reason, never a secret. */
  private String answer(HttpResponse<String> response) {
    String reason = "";
    try {
      JsonNode body = JSON.readTree(response.body());
      for (String field : List.of("error_description", "errorMessage", "error")) {
        if (body.path(field).isString() && !body.path(field).asString().isBlank()) {
          reason = body.path(field).asString();
          break;
        }
      }
    } catch (JacksonException notJson) {
      reason = response.body() == null ? "" : response.body().strip();
    }
    // redacted before it is cut, so no secret is cut in two and shown in part
    reason = redacted(reason);
    if (reason.length() > MAX_ERROR_CHARS) {
      reason = reason.substring(0, MAX_ERROR_CHARS) + "...";
    }
    return " (HTTP " + response.statusCode() + (reason.isEmpty() ? ")" : ": " + reason + ")");
  }

  private String redacted(String text) {
    String redacted = text.replace(admin.password(), "***");
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 8) {
        redacted = redacted.replace(secret, "***");
      }
    }
    return redacted;
  }

  private static Map<String, String> kinds() {
    // Keycloak's partial-import resource types, in the order the import handles them
    Map<String, String> kinds = new LinkedHashMap<>();
    kinds.put("CLIENT", "clients");
    kinds.put("REALM_ROLE", "realm roles");
    kinds.put("CLIENT_ROLE", "client roles");
    kinds.put("IDP", "identity providers");
    kinds.put("IDENTITY_PROVIDER", "identity providers");
    kinds.put("GROUP", "groups");
    kinds.put("USER", "users");
    return kinds;
  }
}
