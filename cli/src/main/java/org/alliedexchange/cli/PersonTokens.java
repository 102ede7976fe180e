package org.alliedexchange.cli;

import java.net.URI;
import java.time.Clock;
import org.alliedexchange.client.ClientCredentials;
import org.alliedexchange.client.PersonLogin;
import org.alliedexchange.client.TokenSource;

/**
 * A person's tokens from their login (authorization code with PKCE on Keycloak's own form, as
 * `allied login`), logged in again when the token is about to expire or the gateway refused it, so
 * a long `allied hotline watch` outlives a five-minute token.
 */
final class PersonTokens implements TokenSource {

  private final URI realm;
  private final URI console;
  private final String user;
  private final String password;
  private final Clock clock;
  private String token;
  private long expiresAt;

  PersonTokens(URI realm, URI console, String user, String password, Clock clock) {
    this.realm = realm;
    this.console = console;
    this.user = user;
    this.password = password;
    this.clock = clock;
  }

  @Override
  public synchronized String token() {
    // renewed 30 s early: a call started with it must still be accepted when it arrives
    if (token == null || clock.instant().getEpochSecond() >= expiresAt - 30) {
      token = PersonLogin.login(realm, "allied-console", console, user, password);
      expiresAt = ClientCredentials.unverifiedClaims(token).path("exp").asLong(0);
    }
    return token;
  }

  @Override
  public synchronized void refresh() {
    token = null;
  }
}
