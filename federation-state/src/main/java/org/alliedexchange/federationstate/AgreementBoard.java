package org.alliedexchange.federationstate;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.alliedexchange.api.audit.v1.AgreementStatusChanged;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.auditstream.AuditEventRules;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.policy.Agreement;
import org.alliedexchange.policy.AgreementStatus;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * Agreement statuses as the federation administrators set them, shared by every gateway replica and
 * every exchange service through Redis. A change is written in one Redis script with its audit
 * event, so it never takes effect unaudited; every replica polls a version counter every {@link
 * #POLL} and applies a change to the engine every decision uses from then on, including decisions
 * on streams already open.
 *
 * <p>If a replica cannot read the statuses for longer than {@link #MAX_STALENESS}, it cannot know
 * whether an agreement was suspended meanwhile, and {@link #problem()} says so: the guard then
 * releases nothing.
 */
public final class AgreementBoard implements AutoCloseable {

  static final Duration POLL = Duration.ofMillis(100);
  static final Duration MAX_STALENESS = Duration.ofSeconds(1);
  private static final Logger LOG = LoggerFactory.getLogger(AgreementBoard.class);
  private static final String STATUSES = "allied:agreements";
  private static final String VERSION = "allied:agreements:version";
  // audit first: if Redis refuses the event, the script stops before the status changes (a MULTI
  // would not)
  private static final byte[] CHANGE_SCRIPT =
      ("redis.call('XADD', KEYS[1], '*', '"
              + AuditStream.TYPE_FIELD
              + "', ARGV[1], '"
              + AuditStream.EVENT_FIELD
              + "', ARGV[2]) redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) return redis.call('INCR', KEYS[3])")
          .getBytes(StandardCharsets.UTF_8);

  /** An agreement as the administrators see it now. */
  public record View(
      Agreement agreement,
      AgreementStatus status,
      Instant since,
      String changedBy,
      String reason) {}

  /**
   * A change the board refuses: unknown agreement (404) or one its status does not allow now (409).
   */
  public static final class ChangeRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean unknown;
    private final boolean invalid;

    ChangeRefused(String message, boolean unknown) {
      this(message, unknown, false);
    }

    ChangeRefused(String message, boolean unknown, boolean invalid) {
      super(message);
      this.unknown = unknown;
      this.invalid = invalid;
    }

    /** No such agreement (404). */
    public boolean unknown() {
      return unknown;
    }

    /**
     * A change no replica could apply to the federation configuration's history, e.g. one before a
     * change the configuration already dates later (400).
     */
    public boolean invalid() {
      return invalid;
    }
  }

  private record State(
      long version,
      ReleasabilityEngine engine,
      Map<String, StatusOverride> overrides,
      Map<String, String> unusable) {}

  private final Federation base;
  private final RedisClient redis;
  private final byte[] auditStream;
  private final Clock clock;
  private final AtomicReference<State> state;
  private volatile long refreshedAtNanos;
  private final Thread poller;
  private volatile boolean closed;

  public AgreementBoard(Federation base, URI redisUrl, String auditStream, Clock clock) {
    this.base = base;
    this.clock = clock;
    this.auditStream = auditStream.getBytes(StandardCharsets.UTF_8);
    this.redis = RedisConnections.connect(redisUrl, Duration.ofMillis(500));
    this.state =
        new AtomicReference<>(new State(-1, new ReleasabilityEngine(base), Map.of(), Map.of()));
    // stale until the first successful read: a gateway started while Redis is down releases nothing
    this.refreshedAtNanos = System.nanoTime() - MAX_STALENESS.toNanos() - 1;
    refresh();
    this.poller = new Thread(this::poll, "agreement-board");
    poller.setDaemon(true);
    poller.start();
  }

  /** The engine for the federation as it stands now. */
  public ReleasabilityEngine engine() {
    return state.get().engine();
  }

  /** Why statuses cannot be trusted right now, or null when they were refreshed recently enough. */
  public String problem() {
    long age = System.nanoTime() - refreshedAtNanos;
    if (age > MAX_STALENESS.toNanos()) {
      return "agreement statuses could not be read from Redis for "
          + Duration.ofNanos(age).toMillis()
          + " ms, so a suspension may be missed: nothing is released until they can";
    }
    return null;
  }

  /**
   * The alarm: agreements whose stored status could not be used, with why. Each is logged at ERROR
   * when found and is withheld under (suspended from then) where its configuration allows; the
   * other agreements are decided as usual. Empty when all is well.
   */
  public Map<String, String> unusableOverrides() {
    return state.get().unusable();
  }

  public java.util.List<View> agreements() {
    State now = state.get();
    Instant at = clock.instant();
    return now.engine().federation().agreements().stream().map(a -> view(a, now, at)).toList();
  }

  private View view(Agreement agreement, State now, Instant at) {
    StatusOverride override = now.overrides().get(agreement.id());
    AgreementStatus status = agreement.statusAt(at);
    Instant since =
        agreement.history().stream()
            .filter(c -> !c.from().isAfter(at))
            .reduce((a, b) -> b)
            .map(c -> c.from())
            .orElse(null);
    return override != null
        ? new View(agreement, status, since, override.changedBy(), override.reason())
        : new View(agreement, status, since, null, null);
  }

  /**
   * Suspends an agreement from now on (see {@link Agreement#suspend}), auditing the change in the
   * same Redis script.
   *
   * @throws ChangeRefused for an unknown agreement, or one the agreement's status does not allow
   *     now
   * @throws RuntimeException when Redis cannot take it (nothing changed)
   */
  public View suspend(String agreementId, String changedBy, String reason) {
    return change(agreementId, Agreement::suspend, changedBy, reason);
  }

  /**
   * Puts a suspended agreement in force again from now on (see {@link Agreement#resume}), auditing
   * the change in the same Redis script.
   *
   * @throws ChangeRefused for an unknown agreement, or one the agreement's status does not allow
   *     now
   * @throws RuntimeException when Redis cannot take it (nothing changed)
   */
  public View resume(String agreementId, String changedBy, String reason) {
    return change(agreementId, Agreement::resume, changedBy, reason);
  }

  private View change(
      String agreementId,
      BiFunction<Agreement, Instant, Agreement> transition,
      String changedBy,
      String reason) {
    refresh();
    State now = state.get();
    Agreement agreement = now.engine().federation().agreement(agreementId);
    if (agreement == null) {
      throw new ChangeRefused(
          "no agreement "
              + agreementId
              + "; known: "
              + now.engine().federation().agreements().stream().map(Agreement::id).toList(),
          true);
    }
    Instant at = clock.instant();
    AgreementStatus current = agreement.statusAt(at);
    AgreementStatus status;
    try {
      status = transition.apply(agreement, at).statusAt(at);
    } catch (Agreement.TransitionRefused e) {
      throw new ChangeRefused(
          e.getMessage(), false, e.why() == Agreement.TransitionRefused.Why.LATER_CHANGE);
    }
    StatusOverride override = new StatusOverride(status, at, changedBy, reason);
    if (status == AgreementStatus.IN_FORCE
        && base.agreement(agreementId).statusAt(at) == AgreementStatus.SUSPENDED) {
      throw new ChangeRefused(
          "agreement "
              + agreementId
              + " is suspended by the federation configuration; only a change of the"
              + " configuration lifts that suspension",
          false);
    }
    // what every replica will do with it, tried before it is written
    String unusable = problem(base, agreementId, override);
    if (unusable != null) {
      throw new ChangeRefused(unusable, false, true);
    }
    AuditEvent event =
        AuditEvent.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setOccurredAt(WireMapping.timestamp(at))
            .setSource("gateway")
            .setAgreementStatusChanged(
                AgreementStatusChanged.newBuilder()
                    .setAgreementId(agreementId)
                    .addAllParties(agreement.parties())
                    .setPreviousStatus(WireMapping.agreementStatus(current))
                    .setStatus(WireMapping.agreementStatus(status))
                    .setEffectiveAt(WireMapping.timestamp(at))
                    .setChangedBy(changedBy)
                    .setReason(reason == null ? "" : reason))
            .build();
    // the change and its record go together or not at all: a record the audit service would
    // dead-letter (a reason holding NUL) refuses the change
    AuditEventRules.require(event);
    redis.eval(
        CHANGE_SCRIPT,
        java.util.List.of(auditStream, bytes(STATUSES), bytes(VERSION)),
        java.util.List.of(
            bytes(AuditStreamWriter.typeOf(event)),
            event.toByteArray(),
            bytes(agreementId),
            bytes(override.encode())));
    refresh();
    State after = state.get();
    return view(after.engine().federation().agreement(agreementId), after, clock.instant());
  }

  private void poll() {
    while (!closed) {
      try {
        Thread.sleep(POLL.toMillis());
        refresh();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.debug("agreement statuses not refreshed: {}", e.getMessage());
      }
    }
  }

  /** Reads the version, and the statuses when it moved; marks the board fresh on success. */
  private synchronized void refresh() {
    try {
      String versionText = redis.get(VERSION);
      long version = versionText == null ? 0 : Long.parseLong(versionText);
      if (version != state.get().version()) {
        Map<String, String> stored = redis.hgetAll(STATUSES);
        Federation federation = base;
        Map<String, StatusOverride> overrides = new java.util.HashMap<>();
        Map<String, String> unusable = new java.util.TreeMap<>();
        Instant now = clock.instant();
        for (Map.Entry<String, String> entry : stored.entrySet()) {
          String id = entry.getKey();
          if (base.agreement(id) == null) {
            LOG.warn(
                "Redis names agreement {}, which the federation configuration does not hold; ignored",
                id);
            continue;
          }
          // one unusable value must not take every decision down: it is skipped, with an alarm
          String problem;
          StatusOverride override = null;
          try {
            override = StatusOverride.decode(entry.getValue());
            problem = problem(base, id, override);
          } catch (IllegalArgumentException e) {
            problem = e.getMessage();
          }
          if (problem == null) {
            federation = federation.withAgreementStatus(id, override.status(), override.since());
            overrides.put(id, override);
            continue;
          }
          unusable.put(id, problem);
          LOG.error(
              "the stored status of agreement {} cannot be used, so it is skipped and the"
                  + " agreement withheld under where its configuration allows: {}",
              id,
              problem);
          federation = withheld(federation, id, now);
        }
        state.set(
            new State(
                version,
                new ReleasabilityEngine(federation),
                Map.copyOf(overrides),
                java.util.Collections.unmodifiableMap(unusable)));
        LOG.info("agreement statuses at version {}: {}", version, overrides.keySet());
      }
      refreshedAtNanos = System.nanoTime();
    } catch (RuntimeException e) {
      LOG.debug("agreement statuses not refreshed: {}", e.getMessage());
    }
  }

  /**
   * Why an override cannot be applied to the configuration's history, or null: a resumption of an
   * agreement the configuration itself suspends, or a change the history cannot follow.
   */
  private static String problem(Federation base, String agreementId, StatusOverride override) {
    Agreement configured = base.agreement(agreementId);
    if (override.status() == AgreementStatus.IN_FORCE
        && configured.statusAt(override.since()) == AgreementStatus.SUSPENDED) {
      return "agreement "
          + agreementId
          + " is suspended by the federation configuration; only a change of the configuration"
          + " lifts that suspension";
    }
    try {
      new ReleasabilityEngine(
          base.withAgreementStatus(agreementId, override.status(), override.since()));
      return null;
    } catch (IllegalArgumentException e) {
      return "the federation configuration's history of "
          + agreementId
          + " cannot follow this change: "
          + e.getMessage();
    }
  }

  /** The agreement suspended from now, where its history allows it; else as configured. */
  private static Federation withheld(Federation federation, String agreementId, Instant now) {
    Agreement agreement = federation.agreement(agreementId);
    if (agreement.statusAt(now) != AgreementStatus.IN_FORCE) {
      return federation;
    }
    try {
      return federation.withAgreementStatus(agreementId, AgreementStatus.SUSPENDED, now);
    } catch (IllegalArgumentException e) {
      return federation;
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    closed = true;
    poller.interrupt();
    redis.close();
  }
}
