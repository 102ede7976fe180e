package org.alliedexchange.identity.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * The realm's systems and people as Keycloak keeps them: found by name, read as an {@link
 * Identity}, their attributes written, and exactly the roles they were given granted.
 */
final class RealmIdentities {

  private final RealmResource realm;

  RealmIdentities(RealmResource realm) {
    this.realm = realm;
  }

  ClientRepresentation findSystem(String clientId) {
    List<ClientRepresentation> found = realm.clients().findByClientId(clientId);
    return found.isEmpty() || !Boolean.TRUE.equals(found.get(0).isServiceAccountsEnabled())
        ? null
        : found.get(0);
  }

  ClientRepresentation requireSystem(String clientId) {
    ClientRepresentation client = findSystem(clientId);
    if (client == null) {
      throw IdentityException.refusal("no national system \"" + clientId + "\"");
    }
    return client;
  }

  UserRepresentation findPerson(String username) {
    List<UserRepresentation> found = realm.users().searchByUsername(username, true);
    if (found.isEmpty() || username.startsWith("service-account-")) {
      throw IdentityException.refusal("no system or person \"" + username + "\"");
    }
    return found.get(0);
  }

  /**
   * Grants exactly these roles. Keycloak gives every new identity the realm's default role (with
   * offline_access and uma_authorization); an identity here holds only what it was given.
   */
  void grantRealmRoles(UserResource user, List<String> roles) {
    List<RoleRepresentation> representations = new ArrayList<>();
    for (String role : roles) {
      representations.add(realm.roles().get(role).toRepresentation());
    }
    user.roles().realmLevel().add(representations);
    List<RoleRepresentation> defaults =
        user.roles().realmLevel().listAll().stream()
            .filter(role -> role.getName().startsWith("default-roles-"))
            .toList();
    if (!defaults.isEmpty()) {
      user.roles().realmLevel().remove(defaults);
    }
  }

  Identity identity(
      String kind, String name, UserRepresentation user, boolean enabled, String description) {
    Map<String, List<String>> attributes =
        user.getAttributes() == null ? Map.of() : user.getAttributes();
    List<String> roles =
        realm.users().get(user.getId()).roles().realmLevel().listAll().stream()
            .map(RoleRepresentation::getName)
            .filter(IdentityRules.ROLES::contains)
            .sorted()
            .toList();
    return new Identity(
        kind,
        name,
        first(attributes.get("nation")),
        first(attributes.get("clearance")),
        attributes.getOrDefault("communities", List.of()),
        roles,
        enabled,
        nonNull(description));
  }

  static Map<String, List<String>> attributes(
      String nation, String clearance, List<String> communities) {
    Map<String, List<String>> attributes = new HashMap<>();
    attributes.put("nation", List.of(nation));
    attributes.put("clearance", List.of(clearance));
    if (!communities.isEmpty()) {
      attributes.put("communities", communities);
    }
    return attributes;
  }

  private static String first(List<String> values) {
    return values == null || values.isEmpty() ? "" : values.get(0);
  }

  static String nonNull(String value) {
    return value == null ? "" : value;
  }
}
