package org.alliedexchange.client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A national system's tokens by the client-credentials grant, fetched when first needed and fetched
 * again before they expire (when less than a fifth of their life, or 30 s, is left), so a long
 * stream never starts with a token about to lapse. Thread-safe; one fetch at a time: the callers
 * that arrive meanwhile wait for it and take its token. {@link #shared} gives every client of a
 * process with the same identity one instance, so a thousand subscriptions fetch once.
 */
public final class ClientCredentialsTokens implements TokenSource {

  private static final ConcurrentMap<String, ClientCredentialsTokens> SHARED =
      new ConcurrentHashMap<>();

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

  /**
   * The one instance of this process for the client at this token endpoint with this secret (a
   * rotated secret is another instance, so an old one is never served).
   */
  public static ClientCredentialsTokens shared(
      URI tokenEndpoint, String clientId, String clientSecret) {
    String identity = tokenEndpoint + "\u0000" + clientId + "\u0000";
    String key = identity + digest(clientSecret);
    // a rotated secret replaces the old one's source: the old secret is not kept in memory
    SHARED.keySet().removeIf(other -> other.startsWith(identity) && !other.equals(key));
    return SHARED.computeIfAbsent(
        key,
        k -> new ClientCredentialsTokens(tokenEndpoint, clientId, clientSecret, Clock.systemUTC()));
  }

  private static String digest(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String clientId() {
    return clientId;
  }

  @Override
  public synchronized void refresh() {
    token = null;
  }

  @Override
  public synchronized void refresh(String rejected) {
    // a newer token than the one refused is already here: fetched by another caller meanwhile
    if (token != null && token.equals(rejected)) {
      token = null;
    }
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
