package org.alliedexchange.identity.admin;

import static org.alliedexchange.identity.admin.KeycloakCalls.call;
import static org.alliedexchange.identity.admin.RealmIdentities.nonNull;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.policy.Federation;
import org.keycloak.OAuth2Constants;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
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

  /** The nation of a national system's client, besides its service account's attribute. */
  static final String NATION_ATTRIBUTE = "nation";

  private final Keycloak keycloak;
  private final RealmResource realm;
  private final RealmIdentities identities;
  private final IdentityOnboarding onboarding;
  private final IdentityChanges changes;

  private IdentityAdmin(Keycloak keycloak, String realmName, Federation federation) {
    this.keycloak = keycloak;
    this.realm = keycloak.realm(realmName);
    IdentityRules rules = new IdentityRules(federation);
    this.identities = new RealmIdentities(realm);
    this.onboarding = new IdentityOnboarding(realm, rules, identities);
    this.changes = new IdentityChanges(realm, rules, identities);
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
    return onboarding.onboardSystem(clientId, nation, clearance, communities, roles, description);
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
    return onboarding.addPerson(username, nation, clearance, roles, firstName, lastName);
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
    changes.setClearance(name, clearance);
  }

  public void setCommunities(String name, List<String> communities) {
    changes.setCommunities(name, communities);
  }

  /**
   * A new secret for a system; the old one stops working at once. Returns the new one, shown once.
   */
  public String rotateSecret(String clientId) {
    return changes.rotateSecret(clientId);
  }

  /** Disables or re-enables a system (its client) or a person. */
  public void setEnabled(String name, boolean enabled) {
    changes.setEnabled(name, enabled);
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
