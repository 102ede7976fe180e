package org.alliedexchange.identity.admin;

/** An identity operation refused or failed; the message says why in one line. */
public final class IdentityException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IdentityException(String message) {
    super(message);
  }

  public IdentityException(String message, Throwable cause) {
    super(message, cause);
  }
}
