package org.alliedexchange.gateway.access;

import io.grpc.Status;
import java.time.Duration;
import org.alliedexchange.gateway.GrpcResponses;

/**
 * How long a unary call may wait on its backend: the caller's {@code grpc-timeout}, at most the
 * configured default, which also applies when the caller sent none. Streams keep the caller's own
 * deadline, if any, and are bounded by their token's expiry instead ({@link IdentityRevocations}):
 * a live subscription is meant to stay open.
 */
public final class CallDeadlines {

  public static final String KEY = "allied.gateway.limits.default-deadline";

  /** The audit service's own: verifying or reporting on a whole chain takes longer. */
  public static final String AUDIT_SERVICE_KEY = "allied.gateway.limits.audit-service-deadline";

  public static final String HEADER = "grpc-timeout";

  /**
   * The backend is told a little more than the gateway waits, so the gateway, not a reset from the
   * backend, ends the call and says why.
   */
  static final Duration BACKEND_MARGIN = Duration.ofMillis(200);

  private final Duration defaultDeadline;
  private final Duration auditServiceDeadline;

  public CallDeadlines(Duration defaultDeadline, Duration auditServiceDeadline) {
    this.defaultDeadline = defaultDeadline;
    this.auditServiceDeadline = auditServiceDeadline;
  }

  /** The key that bounds calls of {@code method}'s, as messages name it. */
  public static String keyFor(GuardedMethod method) {
    return method.destination() == GuardedMethod.Destination.AUDIT_SERVICE
        ? AUDIT_SERVICE_KEY
        : KEY;
  }

  /**
   * The deadline of a unary call of {@code method}'s whose caller sent {@code header} (null when
   * none).
   *
   * @throws GrpcResponses.Refused INVALID_ARGUMENT for a header that is not gRPC's timeout format
   */
  public Duration forUnary(GuardedMethod method, String header) {
    Duration most =
        method.destination() == GuardedMethod.Destination.AUDIT_SERVICE
            ? auditServiceDeadline
            : defaultDeadline;
    if (header == null) {
      return most;
    }
    Duration asked = parse(header);
    return asked.compareTo(most) < 0 ? asked : most;
  }

  /** The {@code grpc-timeout} value the backend is sent for a deadline. */
  public static String backendHeader(Duration deadline) {
    return encode(deadline.plus(BACKEND_MARGIN));
  }

  /** gRPC's TimeoutValue TimeoutUnit: at most 8 digits, then H, M, S, m, u or n. */
  static Duration parse(String header) {
    int length = header.length();
    if (length < 2 || length > 9) {
      throw invalid(header);
    }
    long value = 0;
    for (int i = 0; i < length - 1; i++) {
      char c = header.charAt(i);
      if (c < '0' || c > '9') {
        throw invalid(header);
      }
      value = value * 10 + (c - '0');
    }
    return switch (header.charAt(length - 1)) {
      case 'H' -> Duration.ofHours(value);
      case 'M' -> Duration.ofMinutes(value);
      case 'S' -> Duration.ofSeconds(value);
      case 'm' -> Duration.ofMillis(value);
      case 'u' -> Duration.ofNanos(value * 1_000);
      case 'n' -> Duration.ofNanos(value);
      default -> throw invalid(header);
    };
  }

  static String encode(Duration deadline) {
    long millis = deadline.toMillis();
    return millis <= 99_999_999 ? millis + "m" : Math.min(deadline.toSeconds(), 99_999_999) + "S";
  }

  private static GrpcResponses.Refused invalid(String header) {
    return new GrpcResponses.Refused(
        Status.Code.INVALID_ARGUMENT,
        "the "
            + HEADER
            + " metadata is not a gRPC timeout (1 to 8 digits, then H, M, S, m, u or n): "
            + (header.length() <= 16 ? header : header.substring(0, 16) + "..."));
  }
}
