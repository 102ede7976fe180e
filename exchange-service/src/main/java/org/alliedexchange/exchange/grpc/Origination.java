package org.alliedexchange.exchange.grpc;

import io.grpc.Status;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.policy.Label;
import org.alliedexchange.policy.OriginationRefusal;
import org.alliedexchange.policy.ReleasabilityEngine;

/** The domain's origination rule as this service answers it: decided before anything is stored. */
final class Origination {
  private Origination() {}

  /** Throws the refusal's status when the caller may not originate the label. */
  static void check(ReleasabilityEngine engine, Label label, Caller caller) {
    OriginationRefusal refusal = engine.refuseOrigination(label, caller.asRecipient()).orElse(null);
    if (refusal == null) {
      return;
    }
    Status status =
        refusal.kind() == OriginationRefusal.Kind.LABEL_INVALID
            ? Status.INVALID_ARGUMENT
            : Status.PERMISSION_DENIED;
    throw status.withDescription(refusal.message()).asRuntimeException();
  }
}
