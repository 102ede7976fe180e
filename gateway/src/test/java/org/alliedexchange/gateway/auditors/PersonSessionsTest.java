package org.alliedexchange.gateway.auditors;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.session.ReactiveSessionInformation;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.user.DefaultOidcUser;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;
import org.springframework.web.server.WebSession;
import org.springframework.web.server.session.InMemoryWebSessionStore;

/** The per-person session count: one person across logins, one person per session id. */
class PersonSessionsTest {

  private final InMemoryWebSessionStore store = new InMemoryWebSessionStore();
  private final PersonSessions sessions = new PersonSessions(store);

  /** A login of the person with this subject: each login's own claims differ. */
  private static OidcUser login(String subject, String username, String nonce) {
    Instant now = Instant.now();
    OidcIdToken token =
        new OidcIdToken(
            "id-" + nonce,
            now,
            now.plusSeconds(300),
            Map.of("sub", subject, "preferred_username", username, "nonce", nonce, "iat", now));
    return new DefaultOidcUser(
        List.of(new SimpleGrantedAuthority("auditor")), token, "preferred_username");
  }

  private String session() {
    WebSession session = store.createWebSession().block();
    session.start();
    session.save().block();
    return session.getId();
  }

  private List<String> held(OidcUser person) {
    return sessions
        .getAllSessions(person)
        .map(ReactiveSessionInformation::getSessionId)
        .collectList()
        .block();
  }

  @Test
  void oneSubjectsLoginsCountTogetherThoughEachLoginsClaimsDiffer() {
    OidcUser first = login("sub-kor-auditor", "kor-auditor", "n1");
    OidcUser second = login("sub-kor-auditor", "kor-auditor", "n2");
    assertThat(first).isNotEqualTo(second);
    String a = session();
    String b = session();
    sessions
        .saveSessionInformation(new ReactiveSessionInformation(first, a, Instant.now()))
        .block();
    sessions
        .saveSessionInformation(new ReactiveSessionInformation(second, b, Instant.now()))
        .block();

    assertThat(held(login("sub-kor-auditor", "kor-auditor", "n3"))).containsExactlyInAnyOrder(a, b);
    assertThat(held(login("sub-jpn-auditor", "jpn-auditor", "n4"))).isEmpty();
  }

  @Test
  void aSessionIdReFiledUnderAnotherPersonIsNoLongerTheFirstOnes() {
    OidcUser korAuditor = login("sub-kor-auditor", "kor-auditor", "n1");
    OidcUser jpnAuditor = login("sub-jpn-auditor", "jpn-auditor", "n2");
    String shared = session();
    sessions
        .saveSessionInformation(new ReactiveSessionInformation(korAuditor, shared, Instant.now()))
        .block();
    // the next person logs in in that browser, and the session id is filed under them
    sessions
        .saveSessionInformation(new ReactiveSessionInformation(jpnAuditor, shared, Instant.now()))
        .block();

    assertThat(held(korAuditor)).isEmpty();
    assertThat(held(jpnAuditor)).containsExactly(shared);
  }

  @Test
  void anEndedSessionIsNotCountedAndLookingDoesNotKeepOthersAlive() {
    OidcUser person = login("sub-kor-auditor", "kor-auditor", "n1");
    String ended = session();
    String open = session();
    sessions
        .saveSessionInformation(new ReactiveSessionInformation(person, ended, Instant.now()))
        .block();
    sessions
        .saveSessionInformation(new ReactiveSessionInformation(person, open, Instant.now()))
        .block();
    store.removeSession(ended).block();
    Instant lastAccess = store.getSessions().get(open).getLastAccessTime();

    assertThat(held(person)).containsExactly(open);
    assertThat(store.getSessions().get(open).getLastAccessTime()).isEqualTo(lastAccess);
    assertThat(sessions.getSessionInformation(ended).blockOptional()).isEmpty();
  }
}
