package org.alliedexchange.gateway.guard;

import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.gateway.access.GuardedMethod;
import org.alliedexchange.policy.Reason;

/**
 * One call through the gateway: who makes it, to which nation, and what the guard has released and
 * withheld so far. Created by the access filter once the caller is authenticated and authorized;
 * kept in the exchange's attributes for the guard and for the trailers.
 */
public final class GuardedCall {

  public static final String ATTRIBUTE = GuardedCall.class.getName();

  /**
   * The trailer holding how many records were withheld on an auditor's call (national systems are
   * told nothing of what they did not get).
   */
  public static final String WITHHELD_TRAILER = AlliedMetadata.WITHHELD_NAME;

  /**
   * The trailer holding the gateway's withheld records by reason on an auditor's call, e.g. {@code
   * INSUFFICIENT_CLEARANCE=2}.
   */
  public static final String WITHHELD_REASONS_TRAILER = AlliedMetadata.WITHHELD_REASONS_NAME;

  /** The trailer holding the transfer id of a unary call's message, released or withheld. */
  public static final String TRANSFER_ID_TRAILER = AlliedMetadata.TRANSFER_ID_NAME;

  /** The trailer holding where a search's next page starts. */
  public static final String NEXT_CURSOR_TRAILER = AlliedMetadata.NEXT_CURSOR_NAME;

  /**
   * Counted under this name: messages the nation's exchange service withheld itself before the
   * gateway saw them.
   */
  static final String EXCHANGE_SERVICE = "EXCHANGE_SERVICE";

  private final Caller caller;
  private final GuardedMethod method;
  private final String nation;
  private final Span span;
  private final String traceId;
  private final Instant tokenIssuedAt;
  private final Instant tokenExpiresAt;
  private final Map<Reason, Integer> withheldByReason = new EnumMap<>(Reason.class);
  private int bindingInvalid;
  private int withheld;
  private int released;
  private String transferId;
  private byte[] lastReleased;
  private Status.Code endCode;
  private String endMessage;
  // set while the call is admitted and guarded, read when its request is sent: one thread at a time
  private final Map<String, String> forBackend = new LinkedHashMap<>(4);

  /**
   * A call whose token's lifetime does not matter (tests of the guard alone): issued at the epoch,
   * never expiring.
   */
  public GuardedCall(Caller caller, GuardedMethod method, String nation, Span span) {
    this(caller, method, nation, span, Instant.EPOCH, Instant.MAX);
  }

  /**
   * @param tokenIssuedAt when the caller's token was issued (a later identity change revokes it)
   * @param tokenExpiresAt when it expires (a stream ends then)
   */
  public GuardedCall(
      Caller caller,
      GuardedMethod method,
      String nation,
      Span span,
      Instant tokenIssuedAt,
      Instant tokenExpiresAt) {
    this.caller = caller;
    this.method = method;
    this.nation = nation;
    this.span = span;
    this.traceId = span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : null;
    this.tokenIssuedAt = tokenIssuedAt;
    this.tokenExpiresAt = tokenExpiresAt;
  }

  /**
   * Sends {@code value} as the backend's request header {@code name} (lower case), in place of
   * whatever the caller sent under that name ({@code BackendHeaders}).
   */
  public void setForBackend(String name, String value) {
    forBackend.put(name, value);
  }

  /** The request headers the gateway sets for the backend, by lower-case name. */
  public Map<String, String> forBackend() {
    return forBackend;
  }

  public Instant tokenIssuedAt() {
    return tokenIssuedAt;
  }

  public Instant tokenExpiresAt() {
    return tokenExpiresAt;
  }

  public Caller caller() {
    return caller;
  }

  public GuardedMethod method() {
    return method;
  }

  /**
   * The nation whose exchange service the call goes to (for the audit service, the caller's own).
   */
  public String nation() {
    return nation;
  }

  /** The backend the call goes to, as messages name it. */
  public String backendName() {
    return switch (method.destination()) {
      case AUDIT_SERVICE -> "the audit service";
      case HOTLINE -> "the hotline node of " + nation;
      case NATION -> "the exchange service of " + nation;
    };
  }

  public Span span() {
    return span;
  }

  public String traceId() {
    return traceId;
  }

  synchronized void released(String transferId) {
    released(transferId, null);
  }

  /**
   * @param message the message as released (kept by reference: a search's next cursor is the last
   *     one's)
   */
  synchronized void released(String transferId, byte[] message) {
    released++;
    this.transferId = transferId;
    this.lastReleased = message;
  }

  synchronized void withheld(Iterable<Reason> reasons, boolean bindingInvalid) {
    withheld(reasons, bindingInvalid, null);
  }

  /**
   * @param transferId the refusal's transfer id, given to the caller of a unary call to quote
   */
  synchronized void withheld(Iterable<Reason> reasons, boolean bindingInvalid, String transferId) {
    withheld++;
    if (transferId != null) {
      this.transferId = transferId;
    }
    for (Reason reason : reasons) {
      withheldByReason.merge(reason, 1, Integer::sum);
    }
    if (bindingInvalid) {
      this.bindingInvalid++;
    }
  }

  public synchronized int releasedCount() {
    return released;
  }

  public synchronized int withheldCount() {
    return withheld;
  }

  /** Ends the call with this status, whatever the exchange service said; the first one set wins. */
  public synchronized void endWith(Status.Code code, String message) {
    if (endCode == null) {
      endCode = code;
      endMessage = message;
    }
  }

  public synchronized Status.Code endCode() {
    return endCode;
  }

  public synchronized String endMessage() {
    return endMessage;
  }

  /** The single message's transfer id, released or withheld, for a unary call. */
  public synchronized String transferId() {
    return transferId;
  }

  /** The last message released on this call, as sent; null when none was. */
  public synchronized byte[] lastReleased() {
    return lastReleased;
  }

  /**
   * "REASON=n,..." for the gateway's withholdings plus the exchange service's own count; empty when
   * nothing was withheld.
   */
  public synchronized String withheldReasons(int byExchangeService) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    withheldByReason.forEach((reason, count) -> counts.put(reason.name(), count));
    if (bindingInvalid > 0) {
      counts.put("BINDING_INVALID", bindingInvalid);
    }
    if (byExchangeService > 0) {
      counts.put(EXCHANGE_SERVICE, byExchangeService);
    }
    return AlliedMetadata.withheldReasons(counts);
  }
}
