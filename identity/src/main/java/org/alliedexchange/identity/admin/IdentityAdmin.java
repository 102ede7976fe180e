package org.alliedexchange.identity.admin;

import static org.alliedexchange.identity.admin.KeycloakCalls.call;
import static org.alliedexchange.identity.admin.RealmIdentities.attributes;
import static org.alliedexchange.identity.admin.RealmIdentities.nonNull;

import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.policy.Federation;
import org.keycloak.OAuth2Constants;
import org.keycloak.admin.client.CreatedResponseUtil;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * The administrators' operations on the realm's identities, through Keycloak's admin API: onboard a
 * national system, add a person, list them, change clearance or communities, rotate a secret,
 * disable and re-enable. Every argument is checked by {@link IdentityRules} before Keycloak is
 * asked; every change is audited by the realm's audit listener (Keycloak refuses it when the audit
 * stream cannot take the record).
 */
public final class IdentityAdmin implements AutoCloseable {

  /** Marks a client as a national system, so listings do not mix in Keycloak's own clients. */
  static final String KIND_ATTRIBUTE = "allied.kind";

  static final String NATIONAL_SYSTEM = "national-system";

  private final Keycloak keycloak;
  private final RealmResource realm;
  private final IdentityRules rules;
  private final RealmIdentities identities;

  private IdentityAdmin(Keycloak keycloak, String realmName, Federation federation) {
    this.keycloak = keycloak;
    this.realm = keycloak.realm(realmName);
    this.rules = new IdentityRules(federation);
    this.identities = new RealmIdentities(realm);
  }

  /**
   * Connects as an administrator of {@code adminRealm} (for the local Keycloak: master's bootstrap
   * admin).
   */
  public static IdentityAdmin connect(
      URI keycloakUrl,
      String realm,
      String adminRealm,
      String username,
      String password,
      Federation federation) {
    Keycloak keycloak =
        KeycloakBuilder.builder()
            .serverUrl(keycloakUrl.toString())
            .realm(adminRealm)
            .clientId("admin-cli")
            .grantType(OAuth2Constants.PASSWORD)
            .username(username)
            .password(password)
            .build();
    return new IdentityAdmin(keycloak, realm, federation);
  }

  /**
   * A new national system: a confidential client whose service account carries the attributes.
   * Returns its secret, shown once.
   */
  public String onboardSystem(
      String clientId,
      String nation,
      String clearance,
      List<String> communities,
      List<String> roles,
      String description) {
    rules.name(clientId, "client id");
    rules.nation(nation);
    String level = rules.clearance(clearance).name();
    List<String> checkedCommunities = rules.communities(communities);
    List<String> checkedRoles = rules.roles(roles, IdentityRules.ROLES);
    return call(
        "onboard " + clientId,
        () -> {
          if (!realm.clients().findByClientId(clientId).isEmpty()) {
            throw IdentityException.refusal("a client \"" + clientId + "\" already exists");
          }
          ClientRepresentation client = new ClientRepresentation();
          client.setClientId(clientId);
          client.setName(
              description == null || description.isBlank()
                  ? nation + " national system " + clientId
                  : description);
          client.setDescription(client.getName());
          client.setEnabled(true);
          client.setPublicClient(false);
          client.setClientAuthenticatorType("client-secret");
          client.setServiceAccountsEnabled(true);
          client.setStandardFlowEnabled(false);
          client.setImplicitFlowEnabled(false);
          client.setDirectAccessGrantsEnabled(false);
          client.setProtocol("openid-connect");
          client.setAttributes(new HashMap<>(Map.of(KIND_ATTRIBUTE, NATIONAL_SYSTEM)));
          String id;
          try (Response response = realm.clients().create(client)) {
            id = CreatedResponseUtil.getCreatedId(response);
          }
          ClientResource created = realm.clients().get(id);
          UserRepresentation account = created.getServiceAccountUser();
          account.setAttributes(attributes(nation, level, checkedCommunities));
          realm.users().get(account.getId()).update(account);
          identities.grantRealmRoles(realm.users().get(account.getId()), checkedRoles);
          return created.getSecret().getValue();
        });
  }

  /**
   * A new person (auditor, administrator or hotline member). Returns a generated initial password,
   * shown once.
   */
  public String addPerson(
      String username,
      String nation,
      String clearance,
      List<String> roles,
      String firstName,
      String lastName) {
    rules.name(username, "username");
    rules.nation(nation);
    String level = rules.clearance(clearance).name();
    List<String> checkedRoles = rules.roles(roles, IdentityRules.PERSON_ROLES);
    return call(
        "add " + username,
        () -> {
          if (!realm.users().searchByUsername(username, true).isEmpty()) {
            throw IdentityException.refusal("a person \"" + username + "\" already exists");
          }
          UserRepresentation user = new UserRepresentation();
          user.setUsername(username);
          user.setEnabled(true);
          user.setFirstName(firstName);
          user.setLastName(lastName);
          user.setAttributes(attributes(nation, level, List.of()));
          String id;
          try (Response response = realm.users().create(user)) {
            id = CreatedResponseUtil.getCreatedId(response);
          }
          UserResource created = realm.users().get(id);
          String password = initialPassword();
          CredentialRepresentation credential = new CredentialRepresentation();
          credential.setType(CredentialRepresentation.PASSWORD);
          credential.setValue(password);
          credential.setTemporary(true);
          created.resetPassword(credential);
          identities.grantRealmRoles(created, checkedRoles);
          return password;
        });
  }

  /** Every national system, with the attributes and roles of its service account. */
  public List<Identity> systems() {
    return call(
        "list systems",
        () -> {
          List<Identity> systems = new ArrayList<>();
          for (ClientRepresentation client : realm.clients().findAll()) {
            if (!Boolean.TRUE.equals(client.isServiceAccountsEnabled())
                || client.getAttributes() == null
                || !NATIONAL_SYSTEM.equals(client.getAttributes().get(KIND_ATTRIBUTE))) {
              continue;
            }
            UserRepresentation account =
                realm.clients().get(client.getId()).getServiceAccountUser();
            systems.add(
                identities.identity(
                    Identity.SYSTEM,
                    client.getClientId(),
                    account,
                    Boolean.TRUE.equals(client.isEnabled()),
                    client.getName()));
          }
          return systems;
        });
  }

  /** Every person (users that are not service accounts). */
  public List<Identity> people() {
    return call(
        "list people",
        () -> {
          List<Identity> people = new ArrayList<>();
          for (UserRepresentation user : realm.users().list(0, 10_000)) {
            if (user.getUsername().startsWith("service-account-")) {
              continue;
            }
            String name =
                String.join(" ", nonNull(user.getFirstName()), nonNull(user.getLastName())).trim();
            people.add(
                identities.identity(
                    Identity.PERSON,
                    user.getUsername(),
                    user,
                    Boolean.TRUE.equals(user.isEnabled()),
                    name));
          }
          return people;
        });
  }

  /** One system or person by client id or username. */
  public Identity describe(String name) {
    return call(
        "describe " + name,
        () -> {
          ClientRepresentation client = identities.findSystem(name);
          if (client != null) {
            UserRepresentation account =
                realm.clients().get(client.getId()).getServiceAccountUser();
            return identities.identity(
                Identity.SYSTEM,
                name,
                account,
                Boolean.TRUE.equals(client.isEnabled()),
                client.getName());
          }
          UserRepresentation user = identities.findPerson(name);
          String label =
              String.join(" ", nonNull(user.getFirstName()), nonNull(user.getLastName())).trim();
          return identities.identity(
              Identity.PERSON, name, user, Boolean.TRUE.equals(user.isEnabled()), label);
        });
  }

  public void setClearance(String name, String clearance) {
    String level = rules.clearance(clearance).name();
    updateAttributes(name, attributes -> attributes.put("clearance", List.of(level)));
  }

  public void setCommunities(String name, List<String> communities) {
    List<String> checked = rules.communities(communities);
    updateAttributes(
        name,
        attributes -> {
          if (checked.isEmpty()) {
            attributes.remove("communities");
          } else {
            attributes.put("communities", checked);
          }
        });
  }

  /**
   * A new secret for a system; the old one stops working at once. Returns the new one, shown once.
   */
  public String rotateSecret(String clientId) {
    return call(
        "rotate the secret of " + clientId,
        () -> {
          ClientRepresentation client = identities.requireSystem(clientId);
          return realm.clients().get(client.getId()).generateNewSecret().getValue();
        });
  }

  /** Disables or re-enables a system (its client) or a person. */
  public void setEnabled(String name, boolean enabled) {
    call(
        (enabled ? "enable " : "disable ") + name,
        () -> {
          ClientRepresentation client = identities.findSystem(name);
          if (client != null) {
            client.setEnabled(enabled);
            realm.clients().get(client.getId()).update(client);
            return null;
          }
          UserRepresentation user = identities.findPerson(name);
          user.setEnabled(enabled);
          realm.users().get(user.getId()).update(user);
          return null;
        });
  }

  private void updateAttributes(
      String name, java.util.function.Consumer<Map<String, List<String>>> change) {
    call(
        "update " + name,
        () -> {
          ClientRepresentation client = identities.findSystem(name);
          UserRepresentation user =
              client != null
                  ? realm.clients().get(client.getId()).getServiceAccountUser()
                  : identities.findPerson(name);
          Map<String, List<String>> attributes =
              user.getAttributes() == null ? new HashMap<>() : new HashMap<>(user.getAttributes());
          change.accept(attributes);
          user.setAttributes(attributes);
          realm.users().get(user.getId()).update(user);
          return null;
        });
  }

  private static String initialPassword() {
    byte[] random = new byte[15];
    new java.security.SecureRandom().nextBytes(random);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  private static String first(List<String> values) {
    return values == null || values.isEmpty() ? "" : values.get(0);
  }

  private static String nonNull(String value) {
    return value == null ? "" : value;
  }

  @Override
  public void close() {
    keycloak.close();
  }
}
