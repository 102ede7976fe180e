package org.alliedexchange.gateway.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.auditstream.AuditDurability;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The gateway's configuration ({@code allied.gateway.*}), checked at start-up: a wrong value stops
 * the gateway with a message naming the key. The listening address is Spring Boot's {@code
 * server.address} and {@code server.port} (127.0.0.1 unless deliberately opened; TLS with {@code
 * server.ssl.*}).
 *
 * @param nations each nation's exchange service: its addresses and the keys its bindings are signed
 *     with
 * @param auth how callers' Keycloak tokens are validated
 * @param auditRedis the Redis holding the audit stream, agreement changes and rate-limit windows,
 *     as the gateway's own ACL user (redis://gateway:password@host:port, or
 *     rediss://...?cacert=ca.pem over TLS)
 * @param auditStream the audit stream's key
 * @param policyConfig the federation configuration file; the built-in one when unset
 * @param rateLimit calls per second each national system may make, across all gateway replicas
 * @param audit how decisions are batched to the audit stream
 * @param maxMessageBytes the largest message the guard reads; a larger one ends the call
 * @param auditService the audit service auditors reach through this gateway; none when unset
 * @param console the auditor console's Keycloak login; off when unset
 * @param limits what each national system may hold open at once, and how long calls may wait on
 *     backends
 * @param backendTls the client certificate this gateway presents to https backends, and the
 *     authority it trusts for their certificates
 */
@Validated
@ConfigurationProperties("allied.gateway")
public record GatewayProperties(
    @NotEmpty Map<String, @Valid Nation> nations,
    @Valid @NotNull TokenSettings auth,
    @NotNull URI auditRedis,
    @DefaultValue("allied:audit") @NotBlank String auditStream,
    Path policyConfig,
    @Valid @DefaultValue RateLimit rateLimit,
    @Valid @DefaultValue Audit audit,
    @DefaultValue("4194304") @Min(1024) int maxMessageBytes,
    @Valid @DefaultValue AuditService auditService,
    @Valid @DefaultValue Console console,
    @Valid @DefaultValue Limits limits,
    @Valid @DefaultValue BackendTls backendTls) {

  /**
   * Nation codes as the federation spells them, upper case: set from the environment ({@code
   * ALLIED_GATEWAY_NATIONS_KOR_ADDRESSES}), a map key arrives lower-cased.
   */
  public GatewayProperties {
    if (nations != null) {
      Map<String, Nation> upper = new java.util.LinkedHashMap<>();
      nations.forEach(
          (code, nation) -> {
            if (upper.put(code.toUpperCase(java.util.Locale.ROOT), nation) != null) {
              throw new IllegalArgumentException(
                  "allied.gateway.nations."
                      + code
                      + ": the nation is configured twice (nation codes ignore case)");
            }
          });
      nations = java.util.Collections.unmodifiableMap(upper);
    }
  }

  /**
   * Per national system (the token's principal, as rate limits count it), at each gateway replica.
   *
   * @param maxOpenStreamsPerSystem server-streaming calls (Subscribe, Search, exports) one system
   *     may have open at once; one more is refused RESOURCE_EXHAUSTED
   * @param maxBufferedRequestBytesPerSystem request bytes of one system's calls the gateway may
   *     hold received but not yet read through; at least {@code max-message-bytes} + 5, so one
   *     whole message always fits
   * @param defaultDeadline how long a unary call waits on its backend when the caller set no
   *     deadline, and the most it waits when the caller set a longer one; the call then ends
   *     DEADLINE_EXCEEDED. Streams keep the caller's deadline and end at their token's expiry.
   * @param auditServiceDeadline the same for the audit service's unary calls (verifying or
   *     reporting on a whole chain), which the auditors' HTTP API makes with 5 minutes
   * @param backendStreamWindowBytes how many bytes of one call's response a backend may send ahead
   *     of the gateway reading them (the HTTP/2 stream receive window; gRPC Java's default). A
   *     larger window keeps a long stream flowing while its stretches wait on the audit stream; it
   *     is also what one caller that stops reading holds in the gateway per open stream (at most
   *     {@code max-open-streams-per-system} times this per system)
   */
  public record Limits(
      @DefaultValue("32") @Min(1) int maxOpenStreamsPerSystem,
      @DefaultValue("16777216") @Min(1029) long maxBufferedRequestBytesPerSystem,
      @DefaultValue("30s")
          @NotNull
          @DurationMin(millis = 10)
          @DurationMax(minutes = 10, message = "must be between 10ms and 10m")
          Duration defaultDeadline,
      @DefaultValue("5m")
          @NotNull
          @DurationMin(millis = 10)
          @DurationMax(minutes = 30, message = "must be between 10ms and 30m")
          Duration auditServiceDeadline,
      @DefaultValue("1048576") @Min(65535) @Max(16777216) int backendStreamWindowBytes) {}

  /**
   * How the gateway calls backends over mutual TLS (needed when their addresses are https): PEM
   * files, as a real PKI issues them or {@code ./allied up} makes them.
   *
   * @param certificate the gateway's client certificate chain, leaf first (the backends admit only
   *     the names they are configured with, by default {@code allied-gateway})
   * @param privateKey its private key (PKCS#8 {@code PRIVATE KEY})
   * @param authority the CA certificate(s) that issue the backends' server certificates
   */
  public record BackendTls(Path certificate, Path privateKey, Path authority) {
    public boolean configured() {
      return certificate != null || privateKey != null || authority != null;
    }
  }

  /**
   * @param addresses the audit service's gRPC replicas, {@code http://host:port} (h2c) or {@code
   *     https://host:port}
   * @param consoleUrl where the audit service serves the auditor console's page ({@code
   *     http://host:port})
   */
  public record AuditService(@DefaultValue List<@NotNull URI> addresses, URI consoleUrl) {
    public boolean configured() {
      return !addresses.isEmpty();
    }
  }

  /**
   * The auditor console's login: authorization code with PKCE against the realm, by a public
   * client.
   *
   * @param enabled whether this gateway logs people in: the auditor console (when {@code
   *     audit-service.console-url} is set) and the hotline page share the login
   * @param clientId the realm's public client for the console
   * @param keycloakTimeout how long the login waits on any one call to Keycloak (code exchange,
   *     keys, user info, refresh) before it refuses, instead of holding the browser forever
   * @param loginKeyFile the key pending logins are sealed under (32 random bytes, base64), shared
   *     by every replica so a login's callback may reach any of them; unset, each gateway makes its
   *     own at start (one replica only)
   * @param maxSessionsPerPerson the browser sessions one person may hold at this gateway (the
   *     console and the hotline page share them); a login past it ends that person's least recently
   *     used one, so no one fills the session store the others log in to
   */
  public record Console(
      @DefaultValue("false") boolean enabled,
      @DefaultValue("allied-console") @NotBlank String clientId,
      @DefaultValue("10s")
          @NotNull
          @DurationMin(millis = 100)
          @DurationMax(seconds = 60, message = "must be between 100ms and 60s")
          Duration keycloakTimeout,
      Path loginKeyFile,
      @DefaultValue("5") @Min(1) @Max(100) int maxSessionsPerPerson) {}

  /**
   * @param addresses the nation's exchange service replicas, {@code http://host:port} (h2c) or
   *     {@code https://host:port}
   * @param bindingKeys PEM files with the public keys the nation signs bindings with (more than one
   *     while a key rotates)
   * @param hotlineAddresses the nation's hotline node replicas, like {@code addresses}; empty when
   *     the nation has no hotline node behind this gateway
   */
  public record Nation(
      @NotEmpty List<@NotNull URI> addresses,
      @NotEmpty List<@NotNull Path> bindingKeys,
      @DefaultValue List<@NotNull URI> hotlineAddresses) {

    /** An unset list arrives as null from code. */
    public Nation {
      hotlineAddresses = hotlineAddresses == null ? List.of() : List.copyOf(hotlineAddresses);
    }
  }

  /**
   * @param callsPerSecond the default for every national system
   * @param systems per-system limits by client id, overriding the default
   * @param redisTimeout how long a lease may wait on Redis before the call is refused as
   *     uncountable; the Redis fsyncs every write, and one fsync on a busy disk took over 500 ms
   *     here
   */
  public record RateLimit(
      @DefaultValue("500") @Min(1) int callsPerSecond,
      @DefaultValue Map<String, @NotNull @Min(1) Integer> systems,
      @DefaultValue("2s")
          @NotNull
          @DurationMin(millis = 1)
          @DurationMax(seconds = 30, message = "must be at most 30s")
          Duration redisTimeout) {
    public int limitFor(String system) {
      return systems.getOrDefault(system, callsPerSecond);
    }
  }

  /**
   * @param timeout how long a batch may wait for Redis before the calls it holds end UNAVAILABLE
   * @param maxBatch the most decisions in one stream entry, at most {@link
   *     AuditBatchWriter#MAX_BATCH}
   * @param durability when a decision's record counts as durable, so its message may leave
   */
  public record Audit(
      @DefaultValue("2s") @NotNull @DurationMin(millis = 1) Duration timeout,
      @DefaultValue("1024") @Min(1) int maxBatch,
      @Valid @DefaultValue Durability durability) {

    /** The replicas' wait is part of a batch's round, so it must end before the round's timeout. */
    public Audit {
      if (maxBatch > AuditBatchWriter.MAX_BATCH) {
        throw new IllegalArgumentException(
            "allied.gateway.audit.max-batch: at most "
                + AuditBatchWriter.MAX_BATCH
                + " decisions in one stream entry (Redis holds at most 512 MiB in one), not "
                + maxBatch);
      }
      if (durability == null) {
        durability = new Durability(AuditDurability.Mode.FSYNC, 1, Duration.ofMillis(500));
      }
      if (durability.mode() == AuditDurability.Mode.REPLICATED
          && timeout != null
          && durability.waitTimeout() != null
          && durability.waitTimeout().compareTo(timeout) >= 0) {
        throw new IllegalArgumentException(
            "allied.gateway.audit.durability.wait-timeout: must be shorter than"
                + " allied.gateway.audit.timeout ("
                + timeout.toMillis()
                + "ms), not "
                + durability.waitTimeout().toMillis()
                + "ms");
      }
    }
  }

  /**
   * ADR 2026-11-27-audit-durability-fsync-or-replica.
   *
   * @param mode {@code fsync}: the record is durable once the audit Redis took it, which fsyncs
   *     every write ({@code appendfsync always}); {@code replicated}: once {@code replicas} of the
   *     Redis's replicas acknowledged it too ({@code WAIT}), the Redis running {@code appendfsync
   *     everysec}; fewer within {@code wait-timeout} end the calls UNAVAILABLE
   * @param replicas how many replicas must acknowledge each batch (replicated only)
   * @param waitTimeout how long a batch waits for them (replicated only); shorter than {@code
   *     timeout}
   */
  public record Durability(
      @DefaultValue("fsync") @NotNull AuditDurability.Mode mode,
      @DefaultValue("1") int replicas,
      @DefaultValue("500ms") @NotNull Duration waitTimeout) {

    public Durability {
      if (mode == AuditDurability.Mode.REPLICATED) {
        if (replicas < 1) {
          throw new IllegalArgumentException(
              "allied.gateway.audit.durability.replicas: the replicated mode needs at least 1"
                  + " replica to acknowledge each record, not "
                  + replicas);
        }
        if (waitTimeout == null || waitTimeout.toMillis() < 1) {
          throw new IllegalArgumentException(
              "allied.gateway.audit.durability.wait-timeout: must be at least 1ms, not "
                  + waitTimeout);
        }
      }
    }

    /** As the audit stream's writer takes it. */
    public AuditDurability toAuditDurability() {
      return mode == AuditDurability.Mode.REPLICATED
          ? AuditDurability.replicated(replicas, waitTimeout)
          : AuditDurability.FSYNC;
    }
  }
}
