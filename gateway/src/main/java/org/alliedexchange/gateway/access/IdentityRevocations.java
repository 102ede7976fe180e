package org.alliedexchange.gateway.access;

import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.alliedexchange.auditstream.IdentityChangeNotices;
import org.alliedexchange.gateway.guard.GuardedCall;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Which tokens no longer say who their caller is, and the open streams that must end because of it.
 * An identity change (a system or person disabled, its clearance, communities or roles changed)
 * revokes every token of that principal issued in that second or before ({@link
 * IdentityChangeNotices}): a call with such a token is refused, and its open streams end {@code
 * UNAUTHENTICATED}, for the caller to resume from its cursor with a fresh token. A stream also ends
 * when its token expires, since nothing re-validates it after that.
 *
 * <p>Fails closed: when the notices have not been read for {@link #MAX_STALENESS}, a change may
 * have been missed, so every open stream ends and calls are refused until they can be read again. A
 * call's cost is two map lookups; a stream's, one registration.
 */
public final class IdentityRevocations {

  /** How long notices may go unread before no identity can be vouched for. */
  public static final Duration MAX_STALENESS = Duration.ofSeconds(2);

  static final String EXPIRED = "token expired; resume with a fresh token from your cursor";

  private static final Logger LOG = LoggerFactory.getLogger(IdentityRevocations.class);

  private final Map<String, Long> revokedThroughSecond = new ConcurrentHashMap<>();
  private volatile long everyoneRevokedThroughSecond = Long.MIN_VALUE;
  private final Map<String, Set<OpenStream>> open = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;
  private final Scheduler timers;
  private volatile long followedAtNanos;

  public IdentityRevocations() {
    this(System::nanoTime, Schedulers.parallel());
  }

  IdentityRevocations(LongSupplier nanoTime, Scheduler timers) {
    this.nanoTime = nanoTime;
    this.timers = timers;
    // nothing read yet: no identity can be vouched for
    this.followedAtNanos = nanoTime.getAsLong() - MAX_STALENESS.toNanos() - 1;
  }

  /** Why no call can be admitted now (the notices are not being read), or null. */
  public String problem() {
    long age = nanoTime.getAsLong() - followedAtNanos;
    if (age <= MAX_STALENESS.toNanos()) {
      return null;
    }
    return "identity changes could not be read from Redis for "
        + Duration.ofNanos(age).toMillis()
        + " ms, so a disabled or changed identity may be missed: no call is admitted until they"
        + " can";
  }

  /** Why a token of {@code principal} issued at {@code issuedAt} no longer counts, or null. */
  public String revoked(String principal, Instant issuedAt) {
    long issued = issuedAt.getEpochSecond();
    Long through = revokedThroughSecond.get(principal);
    if (issued > everyoneRevokedThroughSecond && (through == null || issued > through)) {
      return null;
    }
    return "the token of "
        + principal
        + " was issued before a change to its identity (disabled, or its clearance, communities or"
        + " roles changed); get a fresh token";
  }

  /** Applies a notice: later calls with a token it revokes are refused, open streams end. */
  public void apply(IdentityChangeNotices.Notice notice) {
    long through = notice.revokesThroughSecond();
    if (IdentityChangeNotices.EVERYONE.equals(notice.principal())) {
      everyoneRevokedThroughSecond = Math.max(everyoneRevokedThroughSecond, through);
      open.values()
          .forEach(streams -> streams.forEach(stream -> stream.endIfIssuedBy(through, null)));
    } else {
      revokedThroughSecond.merge(notice.principal(), through, Math::max);
      Set<OpenStream> streams = open.get(notice.principal());
      if (streams != null) {
        streams.forEach(stream -> stream.endIfIssuedBy(through, notice.principal()));
      }
    }
    LOG.debug(
        "identity change of {} ({}): tokens issued through {} revoked",
        notice.principal(),
        notice.nation(),
        Instant.ofEpochSecond(through));
  }

  /** The notices were read just now. */
  public void followed() {
    followedAtNanos = nanoTime.getAsLong();
  }

  /** Ends every open stream when the notices have not been read for too long. */
  public void endAllIfStale() {
    String problem = problem();
    if (problem == null) {
      return;
    }
    open.values()
        .forEach(
            streams ->
                streams.forEach(
                    stream ->
                        stream.end(
                            Status.Code.UNAVAILABLE,
                            problem + "; resume from your cursor once the gateway can")));
  }

  /**
   * Registers an open stream of {@code call}, to be ended when its caller's identity changes or its
   * token expires; close it when the call ends.
   */
  public OpenStream open(GuardedCall call) {
    OpenStream stream = new OpenStream(call);
    // atomic per system with close(), so a stream is never added to a set just dropped
    open.compute(
        call.caller().system(),
        (system, streams) -> {
          Set<OpenStream> all = streams == null ? ConcurrentHashMap.newKeySet() : streams;
          all.add(stream);
          return all;
        });
    long delay = millisUntil(call.tokenExpiresAt());
    if (delay <= 0) {
      stream.end(Status.Code.UNAUTHENTICATED, EXPIRED);
    } else if (delay < Long.MAX_VALUE) {
      stream.expiry =
          timers.schedule(
              () -> stream.end(Status.Code.UNAUTHENTICATED, EXPIRED), delay, TimeUnit.MILLISECONDS);
    }
    // a notice applied while registering is seen here or by apply
    String revoked = revoked(call.caller().system(), call.tokenIssuedAt());
    if (revoked != null) {
      stream.end(Status.Code.UNAUTHENTICATED, revoked);
    }
    return stream;
  }

  private static long millisUntil(Instant at) {
    try {
      return Duration.between(Instant.now(), at).toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** How many streams are open (for tests and health). */
  public int openStreams() {
    return open.values().stream().mapToInt(Set::size).sum();
  }

  /** One open stream: ends with a status the guard turns into its trailers. */
  public final class OpenStream implements AutoCloseable {
    private final GuardedCall call;
    private final Sinks.Empty<Void> ended = Sinks.empty();
    private volatile boolean ending;
    private volatile Disposable expiry;

    private OpenStream(GuardedCall call) {
      this.call = call;
    }

    /** Completes when the stream must end; the call's end status says why. */
    public Mono<Void> ended() {
      return ended.asMono();
    }

    /** Whether the stream has been told to end. */
    public boolean ending() {
      return ending;
    }

    private void endIfIssuedBy(long throughSecond, String principal) {
      if (call.tokenIssuedAt().getEpochSecond() <= throughSecond) {
        end(
            Status.Code.UNAUTHENTICATED,
            "the identity of "
                + (principal == null ? call.caller().system() : principal)
                + " changed (disabled, or its clearance, communities or roles changed); resume"
                + " with a fresh token from your cursor");
      }
    }

    private void end(Status.Code code, String message) {
      call.endWith(code, message);
      ending = true;
      ended.tryEmitEmpty();
    }

    @Override
    public void close() {
      Disposable timer = expiry;
      if (timer != null) {
        timer.dispose();
      }
      open.computeIfPresent(
          call.caller().system(),
          (system, streams) -> {
            streams.remove(this);
            return streams.isEmpty() ? null : streams;
          });
    }
  }
}
