package org.alliedexchange.gateway.access;

/**
 * One RPC the gateway serves, and what a caller needs to make it.
 *
 * @param path the HTTP/2 path, {@code /package.Service/Method}
 * @param serverStreaming whether the response is a stream (withheld messages are dropped) or one
 *     message (a withheld message ends the call with PERMISSION_DENIED)
 * @param bound whether responses carry a binding the guard verifies
 * @param role the realm role the caller needs
 * @param ownNationOnly whether the caller may call only its own nation's service (publish and
 *     amend)
 * @param requestLabelled whether the request carries a label whose originator must be the caller's
 *     nation
 * @param destination which backend serves it
 * @param responseFields the top-level field numbers the response message declares (bit n for field
 *     n); a response message with any other field is withheld
 */
public record GuardedMethod(
    String path,
    String service,
    String method,
    boolean serverStreaming,
    boolean bound,
    String role,
    boolean ownNationOnly,
    boolean requestLabelled,
    Destination destination,
    long responseFields) {

  /** Where a call goes. */
  public enum Destination {
    /** The exchange service of the nation the caller names in {@code allied-nation}. */
    NATION,
    /** The audit service, federation-wide; it scopes each auditor to its own nation itself. */
    AUDIT_SERVICE,
    /** The hotline node of the nation the caller names in {@code allied-nation}. */
    HOTLINE
  }

  /** "Service/Method", as spans and audit records name it. */
  public String displayName() {
    return service.substring(service.lastIndexOf('.') + 1) + "/" + method;
  }
}
