package org.alliedexchange.audit.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.AccessTable;
import org.alliedexchange.audit.chain.AuditorScope;

/**
 * The authenticated caller as an auditor: the role every call of the audit API needs, and the
 * {@link AuditorScope}'s refusals as gRPC statuses (a malformed request is INVALID_ARGUMENT, one
 * outside the auditor's scope PERMISSION_DENIED).
 */
final class AuditorCalls {

  private AuditorCalls() {}

  /**
   * The scope of {@code caller}; PERMISSION_DENIED without the role the api's {@link
   * AccessTable#AUDIT} gives {@code method} (this service's own check, independent of the
   * gateway's) or without a nation.
   */
  static AuditorScope scope(Caller caller, String method) {
    String role = AccessTable.AUDIT.method(method).role();
    if (!caller.hasRole(role)) {
      throw Status.PERMISSION_DENIED
          .withDescription(
              caller.system() + " lacks the role " + role + " that the audit log needs")
          .asRuntimeException();
    }
    try {
      return AuditorScope.of(caller.system(), caller.nation(), caller.clearance());
    } catch (AuditorScope.Refused e) {
      throw status(e);
    }
  }

  /** The relationship the auditor asked for, checked against its scope. */
  static String relationship(AuditorScope auditor, String requested) {
    try {
      return auditor.relationship(requested);
    } catch (AuditorScope.Refused e) {
      throw status(e);
    }
  }

  static StatusRuntimeException status(AuditorScope.Refused refused) {
    Status status =
        refused.why() == AuditorScope.Refused.Why.OUT_OF_SCOPE
            ? Status.PERMISSION_DENIED
            : Status.INVALID_ARGUMENT;
    return status.withDescription(refused.getMessage()).asRuntimeException();
  }
}
