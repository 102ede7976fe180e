package org.alliedexchange.exchange.audit;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.policy.Reason;

/**
 * Where the reads' decisions are recorded: what the read guard needs of the audit, and all it
 * needs.
 */
public interface ReadAudit {

  /** Records that a product was withheld from a caller; returns the record's transfer id. */
  String withheld(
      SecurityLabel label,
      String productId,
      String topic,
      Caller caller,
      String method,
      Set<Reason> reasons);

  /**
   * Records summaries of rows a stream withheld ({@link WithheldRows}); completes once the audit
   * stream holds them.
   */
  CompletableFuture<Void> withheldSummaries(List<TransferRecord> summaries);

  /**
   * Records that this service's own check passed a product on towards a caller (not a transfer: the
   * gateway records that, under the same trace).
   *
   * @param labelBytes the stored bytes {@code label} was read from, recorded as they are
   */
  void served(
      SecurityLabel label,
      byte[] labelBytes,
      String productId,
      String topic,
      Caller caller,
      String method);

  /** Records that a product failed its binding check and was not served. */
  void bindingViolation(String productId, String nation, String detail, String requestedBy);
}
