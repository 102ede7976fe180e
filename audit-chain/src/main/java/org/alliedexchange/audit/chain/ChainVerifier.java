package org.alliedexchange.audit.chain;

import java.security.MessageDigest;

/**
 * Walks a relationship's records in sequence order and recomputes every link, naming the first
 * record that does not fit: an edited record (its hash no longer matches), a removed one (a gap in
 * the sequence), a reordered pair (the sequence or the previous hash breaks). A chain cut short is
 * still consistent in itself: only a checkpoint (a signed sequence and head hash) shows records
 * missing at the end, or a chain rewritten from some record on.
 */
public final class ChainVerifier {

  /**
   * One stored record, as the verifier needs it: the digest of its event is enough (see {@link
   * ChainHash#digest}).
   */
  public record Link(long sequence, String eventId, byte[] eventDigest, byte[] hash) {
    /** The link of a record whose event bytes are at hand. */
    public static Link ofEvent(long sequence, String eventId, byte[] event, byte[] hash) {
      return new Link(sequence, eventId, ChainHash.digest(event), hash);
    }
  }

  /**
   * The verdict. {@code firstBad} is the first record that does not fit, 0 when the chain verified.
   */
  public record Result(boolean verified, long checked, long firstBad, String detail) {}

  private final String relationship;
  private final Checkpoint checkpoint;
  private byte[] previous = ChainHash.GENESIS;
  private long expected = 1;
  private long checked;
  private Result failure;

  /**
   * @param checkpoint the last checkpoint issued for this relationship, or null to check the chain
   *     in itself
   */
  public ChainVerifier(String relationship, Checkpoint checkpoint) {
    this.relationship = relationship;
    this.checkpoint = checkpoint;
  }

  /**
   * Feeds the next record in sequence order; returns false once the chain has broken (later records
   * are not checked).
   */
  public boolean accept(Link link) {
    if (failure != null) {
      return false;
    }
    if (link.sequence() != expected) {
      failure =
          new Result(
              false,
              checked,
              expected,
              "record "
                  + expected
                  + " of "
                  + relationship
                  + " is missing or out of place"
                  + " (the next stored record is "
                  + link.sequence()
                  + ")");
      return false;
    }
    byte[] hash = ChainHash.linkDigest(relationship, link.sequence(), previous, link.eventDigest());
    if (!MessageDigest.isEqual(hash, link.hash())) {
      failure =
          new Result(
              false,
              checked,
              link.sequence(),
              "record "
                  + link.sequence()
                  + " of "
                  + relationship
                  + (link.eventId() == null || link.eventId().isEmpty()
                      ? ""
                      : " (event " + link.eventId() + ")")
                  + " does not fit the chain: it, or a record before it, was changed");
      return false;
    }
    if (checkpoint != null
        && link.sequence() == checkpoint.sequence()
        && !MessageDigest.isEqual(hash, checkpoint.headHash())) {
      failure =
          new Result(
              false,
              checked,
              link.sequence(),
              "record "
                  + link.sequence()
                  + " of "
                  + relationship
                  + " differs from the head the checkpoint of "
                  + checkpoint.issuedAt()
                  + " signed: the chain was rewritten");
      return false;
    }
    previous = hash;
    expected++;
    checked++;
    return true;
  }

  /** The verdict once every record has been fed. */
  public Result result() {
    if (failure != null) {
      return failure;
    }
    if (checkpoint != null && checked < checkpoint.sequence()) {
      return new Result(
          false,
          checked,
          checked + 1,
          "the chain of "
              + relationship
              + " ends at record "
              + checked
              + " but the checkpoint of "
              + checkpoint.issuedAt()
              + " covers "
              + checkpoint.sequence()
              + ": records were removed from the end");
    }
    return new Result(
        true,
        checked,
        0,
        "verified "
            + checked
            + " records of "
            + relationship
            + (checkpoint == null
                ? ""
                : " against the checkpoint at record " + checkpoint.sequence()));
  }

  /** The head hash after the records fed so far. */
  public byte[] head() {
    return previous.clone();
  }
}
