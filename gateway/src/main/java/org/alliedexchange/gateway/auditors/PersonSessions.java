package org.alliedexchange.gateway.auditors;

import java.security.Principal;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.security.core.AuthenticatedPrincipal;
import org.springframework.security.core.session.ReactiveSessionInformation;
import org.springframework.security.core.session.ReactiveSessionRegistry;
import org.springframework.web.server.session.WebSessionStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Which browser sessions each person holds at this gateway, for the per-person session limit. A
 * person is their name in the realm (the token's subject): Spring's own in-memory registry keys
 * sessions by the principal object, and a Keycloak login's principal carries that login's own
 * claims (issued-at, nonce, session), so no two logins of one person would ever count together. A
 * session the store no longer holds (it expired) does not count, and is forgotten when its person
 * is next looked up.
 */
public final class PersonSessions implements ReactiveSessionRegistry {

  private final WebSessionStore store;
  private final ConcurrentMap<String, Set<String>> idsByPerson = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ReactiveSessionInformation> byId = new ConcurrentHashMap<>();

  public PersonSessions(WebSessionStore store) {
    this.store = store;
  }

  /** The person a principal is: its name. */
  static String person(Object principal) {
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
    Set<String> ids = idsByPerson.get(person(principal));
    if (ids == null) {
      return Flux.empty();
    }
    return Flux.fromIterable(Set.copyOf(ids))
        .concatMap(
            id ->
                store
                    .retrieveSession(id)
                    .flatMap(live -> Mono.justOrEmpty(byId.get(id)))
                    .switchIfEmpty(Mono.defer(() -> forget(id).then(Mono.empty()))));
  }

  @Override
  public Mono<Void> saveSessionInformation(ReactiveSessionInformation information) {
    ReactiveSessionInformation held =
        new ReactiveSessionInformation(
            person(information.getPrincipal()),
            information.getSessionId(),
            information.getLastAccessTime());
    byId.put(held.getSessionId(), held);
    idsByPerson
        .computeIfAbsent((String) held.getPrincipal(), person -> ConcurrentHashMap.newKeySet())
        .add(held.getSessionId());
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

  /** Sessions held for {@code person} (live or not yet found expired): for tests and probes. */
  public int held(String person) {
    Set<String> ids = idsByPerson.get(person);
    return ids == null ? 0 : ids.size();
  }

  private Mono<ReactiveSessionInformation> forget(String sessionId) {
    ReactiveSessionInformation information = byId.remove(sessionId);
    if (information != null) {
      idsByPerson.computeIfPresent(
          (String) information.getPrincipal(),
          (person, ids) -> {
            ids.remove(sessionId);
            return ids.isEmpty() ? null : ids;
          });
    }
    return Mono.justOrEmpty(information);
  }
}
