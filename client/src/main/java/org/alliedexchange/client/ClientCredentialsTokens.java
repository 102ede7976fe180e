package org.alliedexchange.client;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A national system's tokens by the client-credentials grant, fetched when first needed and fetched
 * again before they expire (when less than a fifth of their life, or 30 s, is left), so a long
 * stream never starts with a token about to lapse. Thread-safe; one fetch at a time.
 */
public final class ClientCredentialsTokens implements TokenSource {

  private final URI tokenEndpoint;
  private final String clientId;
  private final String clientSecret;
  private final Clock clock;
  private String token;
  private Instant refreshAt = Instant.MIN;

  public ClientCredentialsTokens(
      URI tokenEndpoint, String clientId, String clientSecret, Clock clock) {
    this.tokenEndpoint = tokenEndpoint;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.clock = clock;
  }

  public String clientId() {
    return clientId;
  }

  @Override
  public synchronized void refresh() {
    token = null;
  }

  @Override
  public synchronized String token() {
    Instant now = clock.instant();
    if (token == null || !now.isBefore(refreshAt)) {
      ClientCredentials.TokenResponse response;
      try {
        response = ClientCredentials.request(tokenEndpoint, clientId, clientSecret);
      } catch (IllegalStateException e) {
        throw new TokenException(e.getMessage());
      }
      if (!response.granted()) {
        throw new TokenException(
            "Keycloak refused a token to "
                + clientId
                + " (HTTP "
                + response.status()
                + "): "
                + (response.errorDescription() != null
                    ? response.errorDescription()
                    : response.error()));
      }
      long lifetime = Math.max(1, response.expiresIn());
      long early = Math.max(Math.min(30, lifetime / 2), lifetime / 5);
      token = response.accessToken();
      refreshAt = now.plus(Duration.ofSeconds(lifetime - early));
    }
    return token;
  }
}
