package org.alliedexchange.identity.admin;

import static org.alliedexchange.identity.admin.KeycloakCalls.call;
import static org.alliedexchange.identity.admin.RealmIdentities.attributes;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * Changes to existing identities: clearance, communities, a system's secret, enabled or disabled.
 * Each argument is checked before Keycloak is asked.
 */
final class IdentityChanges {

  private final RealmResource realm;
  private final IdentityRules rules;
  private final RealmIdentities identities;

  IdentityChanges(RealmResource realm, IdentityRules rules, RealmIdentities identities) {
    this.realm = realm;
    this.rules = rules;
    this.identities = identities;
  }

  void setClearance(String name, String clearance) {
    String level = rules.clearance(clearance).name();
    updateAttributes(name, attributes -> attributes.put("clearance", List.of(level)));
  }

  void setCommunities(String name, List<String> communities) {
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
  String rotateSecret(String clientId) {
    return call(
        "rotate the secret of " + clientId,
        () -> {
          ClientRepresentation client = identities.requireSystem(clientId);
          return realm.clients().get(client.getId()).generateNewSecret().getValue();
        });
  }

  /** Disables or re-enables a system (its client) or a person. */
  void setEnabled(String name, boolean enabled) {
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
}
