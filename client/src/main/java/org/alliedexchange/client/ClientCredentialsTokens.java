package org.alliedexchange.client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * A national system's tokens by the client-credentials grant, fetched when first needed and fetched
 * again before they expire (when less than a fifth of their life, or 30 s, is left), so a long
 * stream never starts with a token about to lapse. Thread-safe; one fetch at a time: the callers
 * that arrive meanwhile wait for it, holding no thread ({@link #tokenAsync}), and take its token.
 * {@link #shared} gives every client of a process with the same identity one instance, so a
 * thousand subscriptions fetch once.
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
  // the one request for a token in flight, which every caller meanwhile waits for
  private CompletableFuture<String> fetching;

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
  public String token() {
    try {
      return tokenAsync(Runnable::run).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenException("interrupted while waiting for a token for " + clientId);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof TokenException refused
          ? refused
          : new TokenException(String.valueOf(e.getCause().getMessage()));
    }
  }

  /**
   * The token held while it is fresh; otherwise the one fetch in flight for this client, started
   * now if none is. Waiting for it holds no thread, so any number of calls and resumed streams can
   * wait at once. Fails with {@link TokenException}.
   */
  @Override
  public CompletableFuture<String> tokenAsync(Executor forBlockingWork) {
    CompletableFuture<String> fetch;
    synchronized (this) {
      if (token != null && clock.instant().isBefore(refreshAt)) {
        return CompletableFuture.completedFuture(token);
      }
      if (fetching != null) {
        // a copy: no caller can cancel or complete the fetch the others wait for
        return fetching.copy();
      }
      fetch = new CompletableFuture<>();
      fetching = fetch;
    }
    // started outside the lock: a request refused at once completes the fetch on this thread
    Instant asked = clock.instant();
    ClientCredentials.requestAsync(tokenEndpoint, clientId, clientSecret)
        .whenComplete((response, failure) -> finish(fetch, asked, response, failure));
    return fetch.copy();
  }

  private void finish(
      CompletableFuture<String> fetch,
      Instant asked,
      ClientCredentials.TokenResponse response,
      Throwable failure) {
    TokenException refused = null;
    String fetched = null;
    synchronized (this) {
      if (fetching == fetch) {
        fetching = null;
      }
      if (failure != null) {
        Throwable cause = AsyncLimit.cause(failure);
        refused = new TokenException(String.valueOf(cause.getMessage()));
      } else if (!response.granted()) {
        refused =
            new TokenException(
                "Keycloak refused a token to "
                    + clientId
                    + " (HTTP "
                    + response.status()
                    + "): "
                    + (response.errorDescription() != null
                        ? response.errorDescription()
                        : response.error()));
      } else {
        long lifetime = Math.max(1, response.expiresIn());
        long early = Math.max(Math.min(30, lifetime / 2), lifetime / 5);
        // the lifetime counts from when the token was asked for: the answer may have queued
        token = response.accessToken();
        refreshAt = asked.plus(Duration.ofSeconds(lifetime - early));
        fetched = token;
      }
    }
    // the waiting calls go on outside the lock
    if (refused != null) {
      fetch.completeExceptionally(refused);
    } else {
      fetch.complete(fetched);
    }
  }
}
