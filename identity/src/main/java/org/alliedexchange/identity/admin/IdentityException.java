package org.alliedexchange.identity.admin;

/**
 * An identity operation refused or failed; the message says why in one line. A refusal ({@link
 * #refused()}) is the caller's input (an unknown nation, a name taken); anything else is Keycloak
 * failing or unreachable.
 */
public final class IdentityException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean refused;

  private IdentityException(String message, boolean refused, Throwable cause) {
    super(message, cause);
    this.refused = refused;
  }

  /** The request itself is wrong: nothing was changed. */
  public static IdentityException refusal(String message) {
    return new IdentityException(message, true, null);
  }

  /** Keycloak failed or could not be reached. */
  public static IdentityException failure(String message, Throwable cause) {
    return new IdentityException(message, false, cause);
  }

  public boolean refused() {
    return refused;
  }
}
