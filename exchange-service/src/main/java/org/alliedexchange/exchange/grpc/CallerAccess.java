package org.alliedexchange.exchange.grpc;

import static org.alliedexchange.exchange.grpc.Statuses.denied;

import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.AccessTable;
import org.alliedexchange.api.access.MethodAccess;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;

/**
 * This service's own access check, independent of the gateway's: the caller must hold the role the
 * API's {@link AccessTable#EXCHANGE} gives the method, and call its own nation's service where the
 * table says so.
 */
final class CallerAccess {

  private final String nation;

  CallerAccess(String nation) {
    this.nation = nation;
  }

  /**
   * The caller of a write, when it may make it here.
   *
   * @param method the RPC's proto name, e.g. {@code Publish}
   * @param what the write in words, for the refusal, e.g. "publish"
   */
  Caller writer(String method, String what) {
    Caller caller = AuthenticationInterceptor.caller();
    MethodAccess access = AccessTable.EXCHANGE.method(method);
    if (!caller.hasRole(access.role())) {
      throw denied("to " + what + " a system needs the " + access.role() + " role");
    }
    if (access.ownNationOnly() && !nation.equals(caller.nation())) {
      throw denied(
          "this is "
              + nation
              + "'s exchange service; a system of "
              + caller.nation()
              + " cannot "
              + what
              + " here (use your own nation's)");
    }
    return caller;
  }

  /** The caller of a read, when it may read; what it is given is still up to the read guard. */
  Caller reader(String method) {
    Caller caller = AuthenticationInterceptor.caller();
    String role = AccessTable.EXCHANGE.method(method).role();
    if (!caller.hasRole(role)) {
      throw denied("reading needs the " + role + " role");
    }
    return caller;
  }
}
