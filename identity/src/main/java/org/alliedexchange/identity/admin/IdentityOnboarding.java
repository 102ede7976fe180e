package org.alliedexchange.identity.admin;

import static org.alliedexchange.identity.admin.KeycloakCalls.call;
import static org.alliedexchange.identity.admin.RealmIdentities.attributes;

import jakarta.ws.rs.core.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * New identities in the realm: a national system (a confidential client with a service account) or
 * a person, each with checked attributes and exactly the roles asked for.
 */
final class IdentityOnboarding {

  private final RealmResource realm;
  private final IdentityRules rules;
  private final RealmIdentities identities;

  IdentityOnboarding(RealmResource realm, IdentityRules rules, RealmIdentities identities) {
    this.realm = realm;
    this.rules = rules;
    this.identities = identities;
  }

  /**
   * A new national system: a confidential client whose service account carries the attributes.
   * Returns its secret, shown once.
   */
  String onboardSystem(
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
          // the nation on the client too: the realm's listener lets an administrator create only
          // its own nation's systems, and reads it from the request
          client.setAttributes(
              new HashMap<>(
                  Map.of(
                      IdentityAdmin.KIND_ATTRIBUTE,
                      IdentityAdmin.NATIONAL_SYSTEM,
                      IdentityAdmin.NATION_ATTRIBUTE,
                      nation)));
          // the realm gives no client the allied scope by default (Keycloak's own clients must not
          // get the gateway's audience), so a national system asks for it
          client.setDefaultClientScopes(List.of("basic", "allied"));
          String id;
          try (Response response = realm.clients().create(client)) {
            id = KeycloakCalls.createdId(response, "onboard " + clientId);
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
  String addPerson(
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
            id = KeycloakCalls.createdId(response, "add " + username);
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

  private static String initialPassword() {
    byte[] random = new byte[15];
    new java.security.SecureRandom().nextBytes(random);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }
}
