package org.alliedexchange.hotline.domain;

/**
 * Why a send is refused: the request itself, the caller's rights, or a party who may not get it.
 */
public final class SendRefusal extends RuntimeException {

  /** How the refusal is answered (INVALID_ARGUMENT, PERMISSION_DENIED, FAILED_PRECONDITION). */
  public enum Kind {
    INVALID,
    DENIED,
    PRECONDITION
  }

  private final Kind kind;
  private final String party;

  public SendRefusal(Kind kind, String party, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.party = party == null ? "" : party;
  }

  public Kind kind() {
    return kind;
  }

  /** The nation the refusal is about, or empty when it is about the message or the sender. */
  public String party() {
    return party;
  }
}
