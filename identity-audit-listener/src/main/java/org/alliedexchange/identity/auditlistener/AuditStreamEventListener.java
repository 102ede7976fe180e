package org.alliedexchange.identity.auditlistener;

import com.google.protobuf.Timestamp;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.IdentityChanged;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.auditstream.IdentityChangeNotices;
import org.jboss.logging.Logger;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.AuthDetails;
import org.keycloak.events.admin.OperationType;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakTransactionManager;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.util.JsonSerialization;

/**
 * Turns Keycloak's admin events (and users' own profile and credential changes) into {@code
 * IdentityChanged} audit events on the audit stream.
 *
 * <p>Where Keycloak reports the change inside the request's transaction, the write is enlisted in
 * the transaction's prepare phase: if Redis does not take the record, the transaction rolls back
 * and the change does not happen. The record never carries a secret: only the attributes that
 * matter to releasability (nation, clearance, communities), roles, and whether the identity is
 * enabled.
 *
 * <p>Every change that can alter what a token says, or whether it should be honoured, is also
 * announced to the gateways ({@link IdentityChangeNotices}) naming the principal (a system's client
 * id, a person's username, or everyone for realm-wide changes): in the prepare phase, so an
 * unannounced change does not happen, and again after the commit, so a token fetched between the
 * two (still carrying the old identity) is revoked too.
 */
final class AuditStreamEventListener implements EventListenerProvider {

  private static final Logger LOG = Logger.getLogger(AuditStreamEventListener.class);
  private static final Set<EventType> USER_CHANGES =
      Set.of(
          EventType.UPDATE_PASSWORD,
          EventType.UPDATE_PROFILE,
          EventType.UPDATE_EMAIL,
          EventType.UPDATE_CREDENTIAL,
          EventType.REMOVE_CREDENTIAL,
          EventType.UPDATE_TOTP,
          EventType.REMOVE_TOTP,
          EventType.DELETE_ACCOUNT);
  private static final List<String> AUDITED_ATTRIBUTES =
      List.of("nation", "clearance", "communities");

  private final KeycloakSession session;
  private final AuditStreamWriter writer;
  private final IdentityChangeNotices notices;
  private final String configurationProblem;
  private final NationBoundary boundary;

  AuditStreamEventListener(
      KeycloakSession session,
      AuditStreamWriter writer,
      IdentityChangeNotices notices,
      String configurationProblem) {
    this.session = session;
    this.writer = writer;
    this.notices = notices;
    this.configurationProblem = configurationProblem;
    // created with the request, before Keycloak makes its change: what the change is checked
    // against
    this.boundary = NationBoundary.before(session);
  }

  @Override
  public void onEvent(Event event) {
    if (!USER_CHANGES.contains(event.getType())) {
      return;
    }
    RealmModel realm = session.realms().getRealm(event.getRealmId());
    UserModel user =
        realm == null || event.getUserId() == null
            ? null
            : session.users().getUserById(realm, event.getUserId());
    IdentityChanged.Builder change =
        IdentityChanged.newBuilder()
            .setRealm(realm == null ? "" : realm.getName())
            .setOperation(event.getType().name())
            .setResourceType("USER")
            .setResourcePath("users/" + nullToEmpty(event.getUserId()))
            .setChangedBy(user == null ? nullToEmpty(event.getUserId()) : user.getUsername())
            .setNation(user == null ? "" : nullToEmpty(user.getFirstAttribute("nation")))
            .setSummary(
                (user == null ? "" : user.getUsername() + ": ")
                    + event.getType().name().toLowerCase().replace('_', ' '));
    String principal =
        user == null ? IdentityChangeNotices.EVERYONE : principal(realm, user).name();
    record(build(change.build(), event.getTime()), principal);
  }

  @Override
  public void onEvent(AdminEvent event, boolean includeRepresentation) {
    String refusal;
    try {
      refusal = boundary.refusal(event);
    } catch (RuntimeException e) {
      LOG.errorf("identity change on %s not checked: %s", event.getResourcePath(), e.toString());
      refusal = "the change could not be checked against the administrator's nation";
    }
    if (refusal != null) {
      refuse(refusal, event);
      return;
    }
    RealmModel realm = session.realms().getRealm(event.getRealmId());
    String path = nullToEmpty(event.getResourcePath());
    Subject subject = subject(realm, path);
    IdentityChanged change =
        IdentityChanged.newBuilder()
            .setRealm(realm == null ? nullToEmpty(event.getRealmId()) : realm.getName())
            .setOperation(event.getOperationType().name())
            .setResourceType(nullToEmpty(event.getResourceTypeAsString()))
            .setResourcePath(path)
            .setChangedBy(changedBy(event.getAuthDetails()))
            .setNation(subject.nation())
            .setSummary(summary(event, subject, path))
            .build();
    record(build(change, event.getTime()), principal(realm, event, path));
  }

  /**
   * Undoes a change that crosses the administrator's nation: Keycloak ignores what a listener
   * throws, so the refusal is thrown from the transaction's prepare phase (answered 403).
   */
  private void refuse(String refusal, AdminEvent event) {
    LOG.warnf(
        "identity change refused: %s %s by %s: %s",
        event.getOperationType(),
        event.getResourcePath(),
        event.getAuthDetails() == null ? "?" : event.getAuthDetails().getUserId(),
        refusal);
    KeycloakTransactionManager transaction = session.getTransactionManager();
    String body;
    try {
      body =
          JsonSerialization.writeValueAsString(
              Map.of("error", "forbidden", "error_description", refusal));
    } catch (java.io.IOException e) {
      body = "{\"error\":\"forbidden\"}";
    }
    ForbiddenException forbidden =
        new ForbiddenException(
            refusal,
            Response.status(Response.Status.FORBIDDEN)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body)
                .build());
    if (transaction == null || !transaction.isActive()) {
      throw forbidden;
    }
    // not setRollbackOnly: Keycloak would then roll back silently and still answer success
    transaction.enlistPrepare(
        new AbstractKeycloakTransaction() {
          @Override
          protected void commitImpl() {
            throw forbidden;
          }

          @Override
          protected void rollbackImpl() {}
        });
  }

  /**
   * Whose tokens the change makes stale: a system's client id, a person's username, everyone when
   * it is not one identity's (a role, a group, the realm, a client persons log in through) or the
   * identity is already gone; null for a new system or person, which has no token yet.
   */
  private String principal(RealmModel realm, AdminEvent event, String path) {
    String[] parts = path.split("/");
    boolean identity =
        parts.length >= 2 && (parts[0].equals("users") || parts[0].equals("clients"));
    if (realm == null || !identity) {
      return IdentityChangeNotices.EVERYONE;
    }
    if (event.getOperationType() == OperationType.CREATE && parts.length == 2) {
      return null;
    }
    if (parts[0].equals("users")) {
      UserModel user = session.users().getUserById(realm, parts[1]);
      return user == null ? IdentityChangeNotices.EVERYONE : principal(realm, user).name();
    }
    ClientModel client = realm.getClientById(parts[1]);
    return client == null || !client.isServiceAccountsEnabled()
        ? IdentityChangeNotices.EVERYONE
        : client.getClientId();
  }

  /** A user as tokens name it: a service account by its client's id, a person by username. */
  private Subject principal(RealmModel realm, UserModel user) {
    String nation = nullToEmpty(user.getFirstAttribute("nation"));
    String link = user.getServiceAccountClientLink();
    if (link == null) {
      return new Subject(user.getUsername(), nation);
    }
    ClientModel client = realm.getClientById(link);
    return new Subject(
        client == null ? IdentityChangeNotices.EVERYONE : client.getClientId(), nation);
  }

  private AuditEvent build(IdentityChanged change, long timeMillis) {
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(
            Timestamp.newBuilder()
                .setSeconds(Math.floorDiv(timeMillis, 1000L))
                .setNanos((int) Math.floorMod(timeMillis, 1000L) * 1_000_000))
        .setSource("keycloak/" + change.getRealm())
        .setIdentityChanged(change)
        .build();
  }

  /**
   * Announces and writes in the transaction's prepare phase when there is one, so a failed write
   * undoes the change; announces again once the change has committed.
   *
   * @param principal whose tokens the change makes stale, or null for nobody's
   */
  private void record(AuditEvent event, String principal) {
    String nation = event.getIdentityChanged().getNation();
    KeycloakTransactionManager transaction = session.getTransactionManager();
    if (transaction != null && transaction.isActive() && !transaction.getRollbackOnly()) {
      transaction.enlistPrepare(
          new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
              announce(principal, nation, event);
              write(event);
            }

            @Override
            protected void rollbackImpl() {}
          });
      if (principal != null) {
        transaction.enlistAfterCompletion(
            new AbstractKeycloakTransaction() {
              @Override
              protected void commitImpl() {
                try {
                  announce(principal, nation, event);
                } catch (RuntimeException e) {
                  // committed and announced once already; the gateways end the token at its expiry
                  LOG.errorf(
                      "identity change %s committed but not announced again: %s",
                      event.getIdentityChanged().getSummary(), e.getMessage());
                }
              }

              @Override
              protected void rollbackImpl() {}
            });
      }
    } else {
      announce(principal, nation, event);
      write(event);
    }
  }

  private void announce(String principal, String nation, AuditEvent event) {
    if (principal == null) {
      return;
    }
    if (notices == null) {
      throw new IllegalStateException("identity change refused: " + configurationProblem);
    }
    try {
      notices.announce(principal, nation, System.currentTimeMillis());
    } catch (RuntimeException e) {
      LOG.errorf(
          "identity change %s could not be announced to the gateways: %s",
          event.getIdentityChanged().getSummary(), e.getMessage());
      throw new IllegalStateException(
          "identity change refused: the gateways could not be told of it", e);
    }
  }

  private void write(AuditEvent event) {
    if (writer == null) {
      throw new IllegalStateException("identity change refused: " + configurationProblem);
    }
    try {
      writer.append(event);
    } catch (RuntimeException e) {
      LOG.errorf(
          "identity change %s could not be written to the audit stream: %s",
          event.getIdentityChanged().getSummary(), e.getMessage());
      throw new IllegalStateException(
          "identity change refused: the audit stream did not take its record", e);
    }
  }

  /** Who or what the change is about: a user, or a client and its service account. */
  private record Subject(String name, String nation) {}

  private Subject subject(RealmModel realm, String path) {
    if (realm == null) {
      return new Subject("", "");
    }
    String[] parts = path.split("/");
    if (parts.length >= 2 && parts[0].equals("users")) {
      UserModel user = session.users().getUserById(realm, parts[1]);
      return user == null
          ? new Subject(parts[1], "")
          : new Subject(user.getUsername(), nullToEmpty(user.getFirstAttribute("nation")));
    }
    if (parts.length >= 2 && parts[0].equals("clients")) {
      ClientModel client = realm.getClientById(parts[1]);
      if (client == null) {
        return new Subject(parts[1], "");
      }
      UserModel account =
          client.isServiceAccountsEnabled() ? session.users().getServiceAccount(client) : null;
      return new Subject(
          client.getClientId(),
          account == null ? "" : nullToEmpty(account.getFirstAttribute("nation")));
    }
    return new Subject("", "");
  }

  private String changedBy(AuthDetails auth) {
    if (auth == null || auth.getUserId() == null) {
      return "";
    }
    RealmModel realm = session.realms().getRealm(auth.getRealmId());
    UserModel admin = realm == null ? null : session.users().getUserById(realm, auth.getUserId());
    String who = admin == null ? auth.getUserId() : admin.getUsername();
    return realm == null ? who : who + "@" + realm.getName();
  }

  private static String summary(AdminEvent event, Subject subject, String path) {
    StringBuilder summary =
        new StringBuilder(event.getOperationType().name().toLowerCase())
            .append(' ')
            .append(nullToEmpty(event.getResourceTypeAsString()).toLowerCase().replace('_', ' '));
    if (!subject.name().isEmpty()) {
      summary.append(' ').append(subject.name());
    }
    if (path.endsWith("/client-secret")) {
      summary.append(": secret rotated");
    } else if (path.endsWith("/reset-password")) {
      summary.append(": password reset");
    }
    summary.append(details(event.getRepresentation()));
    return summary.toString();
  }

  /** The releasability-relevant parts of a representation, never its secrets. */
  @SuppressWarnings("unchecked")
  private static String details(String representation) {
    if (representation == null
        || representation.isBlank()
        || !representation.trim().startsWith("{") && !representation.trim().startsWith("[")) {
      return "";
    }
    try {
      Object parsed = JsonSerialization.readValue(representation, Object.class);
      List<String> parts = new ArrayList<>();
      if (parsed instanceof Map<?, ?> map) {
        if (map.get("enabled") instanceof Boolean enabled) {
          parts.add("enabled=" + enabled);
        }
        if (map.get("attributes") instanceof Map<?, ?> attributes) {
          for (String name : AUDITED_ATTRIBUTES) {
            if (attributes.containsKey(name)) {
              parts.add(name + "=" + attributes.get(name));
            }
          }
        }
      } else if (parsed instanceof List<?> list) {
        List<String> roles = new ArrayList<>();
        for (Object item : list) {
          if (item instanceof Map<?, ?> role && role.get("name") instanceof String name) {
            roles.add(name);
          }
        }
        if (!roles.isEmpty()) {
          parts.add("roles=" + roles);
        }
      }
      return parts.isEmpty() ? "" : ": " + String.join(", ", parts);
    } catch (Exception e) {
      return "";
    }
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }

  @Override
  public void close() {}
}
