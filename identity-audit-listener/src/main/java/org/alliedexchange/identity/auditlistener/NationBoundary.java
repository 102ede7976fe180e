package org.alliedexchange.identity.auditlistener;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.AuthDetails;
import org.keycloak.events.admin.OperationType;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.util.JsonSerialization;

/**
 * Keeps an administrator of a realm inside its nation: a change made through Keycloak's admin API
 * by a user of the realm itself (a {@code federation-admin}) may touch only the systems (clients)
 * and people (users) of the administrator's own {@code nation}, as they were before the change, as
 * they are after it, and as the request names them. Realm-wide changes (roles, groups, client
 * scopes, mappers, keys, flows, realm settings) are left to Keycloak's operators, who log in to
 * another realm (master).
 *
 * <p>The admin event comes after the change, inside its transaction, so what was there before is
 * read when Keycloak creates the listener for the request, before it runs the change: the
 * administrator (from its bearer token) and the user or client the request's address names.
 */
final class NationBoundary {

  static final String NATION = "nation";
  private static final String ADMIN_PREFIX = "/admin/realms/";

  private final KeycloakSession session;
  private final Before before;

  /** The identity the request's address names, as it was before the request changed it. */
  private record Before(String kind, String id, Set<String> targetNations) {}

  private NationBoundary(KeycloakSession session, Before before) {
    this.session = session;
    this.before = before;
  }

  /** Reads the state before the request's change; call when the request's listener is created. */
  static NationBoundary before(KeycloakSession session) {
    Before before = null;
    try {
      before = read(session);
    } catch (RuntimeException e) {
      // not an admin request, or nothing to read: a nation's administrator's change to an
      // existing identity is then refused as unchecked
    }
    return new NationBoundary(session, before);
  }

  private static Before read(KeycloakSession session) {
    if (session.getContext() == null || session.getContext().getUri() == null) {
      return null;
    }
    String path = session.getContext().getUri().getPath();
    if (path == null || !path.startsWith(ADMIN_PREFIX)) {
      return null;
    }
    String[] parts = path.substring(ADMIN_PREFIX.length()).split("/");
    RealmModel realm = session.realms().getRealmByName(parts[0]);
    if (realm == null || parts.length < 3) {
      return null;
    }
    String[] target = {parts[1], parts[2]};
    return new Before(target[0], target[1], targetNations(session, realm, target));
  }

  /** Why this change crosses the acting administrator's nation, or null when it may happen. */
  String refusal(AdminEvent event) {
    AuthDetails auth = event.getAuthDetails();
    if (auth == null || auth.getUserId() == null || auth.getRealmId() == null) {
      return "an identity change that names no administrator is refused";
    }
    if (!auth.getRealmId().equals(event.getRealmId())) {
      // an operator of the Keycloak server (master realm), not a nation's administrator
      return null;
    }
    RealmModel realm = session.realms().getRealm(event.getRealmId());
    UserModel actor = realm == null ? null : session.users().getUserById(realm, auth.getUserId());
    if (actor == null) {
      return "the acting administrator is not a user of this realm";
    }
    // as it is now: a change of the administrator's own nation is caught below, where the target
    // (itself) is checked as it was before
    String actorNation = actor.getFirstAttribute(NATION);
    if (actorNation == null || actorNation.isBlank()) {
      return actor.getUsername() + " has no nation, so no nation's identities to manage";
    }
    String path = event.getResourcePath() == null ? "" : event.getResourcePath();
    String[] parts = path.split("/");
    boolean identity =
        parts.length >= 2 && (parts[0].equals("users") || parts[0].equals("clients"));
    if (!identity) {
      return "an administrator of "
          + actorNation
          + " manages its nation's systems and people only, not "
          + (path.isEmpty() ? "the realm" : parts[0])
          + " (realm-wide settings are for Keycloak's operators)";
    }
    Set<String> nations = new LinkedHashSet<>();
    if (before != null && parts[0].equals(before.kind()) && parts[1].equals(before.id())) {
      nations.addAll(before.targetNations());
    } else if (event.getOperationType() != OperationType.CREATE) {
      // a change to another identity than the address named: what it was is unknown
      return "the change to " + path + " could not be checked against the administrator's nation";
    }
    nations.addAll(targetNations(session, realm, parts));
    nations.addAll(represented(event.getRepresentation()));
    nations.remove("");
    if (nations.isEmpty()) {
      return "an administrator of "
          + actorNation
          + " may change only identities of "
          + actorNation
          + "; "
          + path
          + " names no nation (give a system's client the attribute nation="
          + actorNation
          + ")";
    }
    if (!Set.of(actorNation).equals(nations)) {
      nations.remove(actorNation);
      return "an administrator of "
          + actorNation
          + " may change only identities of "
          + actorNation
          + ", and "
          + path
          + " is of "
          + String.join(", ", nations);
    }
    return null;
  }

  /** The nations a user or client (and its service account, or its client) carries. */
  private static Set<String> targetNations(KeycloakSession s, RealmModel realm, String[] parts) {
    Set<String> nations = new LinkedHashSet<>();
    if (parts.length < 2) {
      return nations;
    }
    if (parts[0].equals("users")) {
      UserModel user = s.users().getUserById(realm, parts[1]);
      if (user != null) {
        add(nations, user.getFirstAttribute(NATION));
        String link = user.getServiceAccountClientLink();
        ClientModel client = link == null ? null : realm.getClientById(link);
        if (client != null) {
          add(nations, client.getAttribute(NATION));
        }
      }
    } else if (parts[0].equals("clients")) {
      ClientModel client = realm.getClientById(parts[1]);
      if (client != null) {
        add(nations, client.getAttribute(NATION));
        UserModel account =
            client.isServiceAccountsEnabled() ? s.users().getServiceAccount(client) : null;
        if (account != null) {
          add(nations, account.getFirstAttribute(NATION));
        }
      }
    }
    return nations;
  }

  /** The nation a request's representation names: a user's attribute list or a client's value. */
  private static Set<String> represented(String representation) {
    Set<String> nations = new LinkedHashSet<>();
    if (representation == null || !representation.trim().startsWith("{")) {
      return nations;
    }
    try {
      Object parsed = JsonSerialization.readValue(representation, Object.class);
      if (parsed instanceof Map<?, ?> map && map.get("attributes") instanceof Map<?, ?> attrs) {
        Object nation = attrs.get(NATION);
        if (nation instanceof Collection<?> values) {
          for (Object value : values) {
            add(nations, String.valueOf(value));
          }
        } else if (nation != null) {
          add(nations, String.valueOf(nation));
        }
      }
    } catch (Exception e) {
      // unreadable: the committed and current states still decide
      return nations;
    }
    return nations;
  }

  private static void add(Set<String> nations, String nation) {
    if (nation != null) {
      nations.add(nation);
    }
  }
}
