package org.alliedexchange.audit.store;

import java.security.PublicKey;
import java.sql.SQLException;
import org.alliedexchange.audit.chain.ChainVerifier;
import org.alliedexchange.audit.chain.Checkpoint;
import org.alliedexchange.audit.chain.CheckpointSigner;

/**
 * Verifies a relationship's chain against its latest signed checkpoint, whose signature is checked
 * first.
 */
public final class ChainAudit {

  private final AuditLog log;
  private final Checkpoints checkpoints;
  private final PublicKey checkpointKey;

  public ChainAudit(AuditLog log, Checkpoints checkpoints, PublicKey checkpointKey) {
    this.log = log;
    this.checkpoints = checkpoints;
    this.checkpointKey = checkpointKey;
  }

  public ChainVerifier.Result verify(String relationship) throws SQLException {
    return verify(relationship, checkpoints.latest(relationship));
  }

  /**
   * Verifies against {@code checkpoint} (null: none issued), for a caller that shows the checkpoint
   * it read.
   */
  public ChainVerifier.Result verify(String relationship, Checkpoint checkpoint)
      throws SQLException {
    if (checkpoint != null && !CheckpointSigner.verifies(checkpoint, checkpointKey)) {
      return new ChainVerifier.Result(
          false,
          0,
          checkpoint.sequence(),
          "the checkpoint of "
              + relationship
              + " at record "
              + checkpoint.sequence()
              + " does not carry the audit service's signature: it was forged or changed");
    }
    return log.verify(relationship, checkpoint);
  }
}
