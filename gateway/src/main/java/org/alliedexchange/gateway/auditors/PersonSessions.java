package org.alliedexchange.gateway.auditors;

import java.security.Principal;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.security.core.AuthenticatedPrincipal;
import org.springframework.security.core.session.ReactiveSessionInformation;
import org.springframework.security.core.session.ReactiveSessionRegistry;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;
import org.springframework.web.server.WebSession;
import org.springframework.web.server.session.InMemoryWebSessionStore;
import org.springframework.web.server.session.WebSessionStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Which browser sessions each person holds at this gateway, for the per-person session limit. A
 * person is the subject of their realm login: Spring's own in-memory registry keys sessions by the
 * principal object, and a Keycloak login's principal carries that login's own claims (issued-at,
 * nonce, session), so no two logins of one person would ever count together.
 *
 * <p>A session id belongs to one person at a time: a login in a browser whose session id is
 * re-filed under the new person leaves the previous one's set. A session the store no longer holds
 * (expired or ended) does not count and is forgotten when its person is next looked up; looking
 * does not touch it, so it still idles out.
 */
public final class PersonSessions implements ReactiveSessionRegistry {

  private final WebSessionStore store;
  private final ConcurrentMap<String, Set<String>> idsByPerson = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ReactiveSessionInformation> byId = new ConcurrentHashMap<>();

  public PersonSessions(WebSessionStore store) {
    this.store = store;
  }

  /** The person a principal is: the subject of their login, else their name. */
  static String person(Object principal) {
    if (principal instanceof OidcUser oidc && oidc.getSubject() != null) {
      return oidc.getSubject();
    }
    if (principal instanceof AuthenticatedPrincipal named) {
      return named.getName();
    }
    if (principal instanceof Principal named) {
      return named.getName();
    }
    return String.valueOf(principal);
  }

  @Override
  public Flux<ReactiveSessionInformation> getAllSessions(Object principal) {
    String person = person(principal);
    Set<String> ids = idsByPerson.get(person);
    if (ids == null) {
      return Flux.empty();
    }
    return Flux.fromIterable(Set.copyOf(ids))
        .concatMap(
            id -> {
              ReactiveSessionInformation information = byId.get(id);
              if (information == null || !person.equals(information.getPrincipal())) {
                // re-filed under another person meanwhile: not this one's
                ids.remove(id);
                return Mono.empty();
              }
              return live(id)
                  .flatMap(alive -> alive ? Mono.just(information) : forget(id).then(Mono.empty()));
            });
  }

  /** Whether the store still holds the session, unexpired, without touching its last access. */
  private Mono<Boolean> live(String id) {
    if (store instanceof InMemoryWebSessionStore memory) {
      WebSession session = memory.getSessions().get(id);
      return Mono.just(session != null && !session.isExpired());
    }
    return store.retrieveSession(id).hasElement();
  }

  @Override
  public Mono<Void> saveSessionInformation(ReactiveSessionInformation information) {
    String person = person(information.getPrincipal());
    String id = information.getSessionId();
    ReactiveSessionInformation held =
        new ReactiveSessionInformation(person, id, information.getLastAccessTime());
    ReactiveSessionInformation before = byId.put(id, held);
    if (before != null && !person.equals(before.getPrincipal())) {
      drop((String) before.getPrincipal(), id);
    }
    idsByPerson.compute(
        person,
        (key, ids) -> {
          Set<String> mine = ids == null ? ConcurrentHashMap.newKeySet() : ids;
          mine.add(id);
          return mine;
        });
    return Mono.empty();
  }

  @Override
  public Mono<ReactiveSessionInformation> getSessionInformation(String sessionId) {
    return Mono.justOrEmpty(byId.get(sessionId));
  }

  @Override
  public Mono<ReactiveSessionInformation> removeSessionInformation(String sessionId) {
    return forget(sessionId);
  }

  @Override
  public Mono<ReactiveSessionInformation> updateLastAccessTime(String sessionId) {
    ReactiveSessionInformation information = byId.get(sessionId);
    if (information != null) {
      information.setLastAccessTime(Instant.now());
    }
    return Mono.justOrEmpty(information);
  }

  private Mono<ReactiveSessionInformation> forget(String sessionId) {
    ReactiveSessionInformation information = byId.remove(sessionId);
    if (information != null) {
      drop((String) information.getPrincipal(), sessionId);
    }
    return Mono.justOrEmpty(information);
  }

  private void drop(String person, String sessionId) {
    idsByPerson.computeIfPresent(
        person,
        (key, ids) -> {
          ids.remove(sessionId);
          return ids.isEmpty() ? null : ids;
        });
  }
}
