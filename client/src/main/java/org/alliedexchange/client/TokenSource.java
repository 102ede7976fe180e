package org.alliedexchange.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** Where a client's access token comes from. */
@FunctionalInterface
public interface TokenSource {

  /**
   * A token valid for at least a few more seconds; throws {@link TokenException} when none can be
   * had.
   */
  String token();

  /**
   * As {@link #token()}, without holding the caller's thread when a token must be fetched; fails
   * with {@link TokenException}. By default {@link #token()} runs on {@code forBlockingWork}.
   */
  default CompletableFuture<String> tokenAsync(Executor forBlockingWork) {
    CompletableFuture<String> result = new CompletableFuture<>();
    forBlockingWork.execute(
        () -> {
          try {
            result.complete(token());
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }

  /**
   * The last token is no longer accepted (expired, or its identity changed): the next {@link
   * #token()} fetches a new one. A fixed token cannot be renewed.
   */
  default void refresh() {}

  /**
   * The token {@code rejected} was refused: fetch again, unless this source already holds a newer
   * one. A source that many calls share (a thousand subscriptions whose tokens an identity change
   * revoked at once) then fetches once, not once per call.
   */
  default void refresh(String rejected) {
    refresh();
  }

  /** No token could be had: Keycloak refused, or could not be reached. */
  final class TokenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenException(String message) {
      super(message);
    }
  }

  /** A fixed token, e.g. a person's from a login elsewhere. */
  static TokenSource of(String token) {
    return () -> token;
  }
}
