package org.alliedexchange.hotline.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.serviceruntime.AuditDurabilitySettings;
import org.alliedexchange.serviceruntime.ServiceProperties;
import org.alliedexchange.serviceruntime.TlsSettings;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The configuration of one nation's hotline node ({@code allied.hotline.*}), checked at start-up: a
 * wrong value stops the node with a message naming the key.
 *
 * @param nation the nation this node serves, ISO 3166-1 alpha-3; must be in the federation
 *     configuration and a member of every conference it holds
 * @param host the address the gRPC server binds; loopback unless deliberately opened
 * @param port the gRPC port; 0 for a free one (the chosen port is logged)
 * @param dataDir where a generated signing key lives when none is configured
 * @param signingKeyFile the nation's binding key (PEM): the same file as the nation's exchange
 *     service, so the gateways already trust its signatures; created in {@code dataDir} when unset
 * @param database the PostgreSQL the node keeps its conferences' messages in (required)
 * @param auditRedis the audit stream's Redis (redis://user:password@host:port or rediss://...);
 *     nothing happens on the node when it cannot take a record
 * @param auditStream the federation's base key of the audit streams, as the audit service's {@code
 *     allied.audit.stream} ({@code allied:audit}); this node appends to {@code
 *     <base>:hotline:<NATION>}
 * @param auditDurability when a record counts as durable: {@code fsync} (default) or {@code
 *     replicated} (acknowledged by replicas through {@code WAIT})
 * @param auth how callers' Keycloak tokens are validated
 * @param tls mutual TLS: the node's certificate, and the gateways it alone answers
 * @param gateway how the node reaches the gateway to pull from its peers
 * @param relayClient the node's own system identity at Keycloak ({@code <nation>-hotline})
 * @param conferencesFile the conferences (JSON); the built-in trilateral and bilateral ones when
 *     unset
 * @param policyConfig the federation configuration file; the built-in one when unset
 * @param probeInterval how often each peer is probed
 * @param probeSlowAfter a probe answered later than this makes the peer's link AMBER
 * @param testInterval how often a line test goes round
 * @param testAckWithin how long each party's watch officer has to acknowledge a line test
 * @param ackWithin how long a party has to acknowledge a FLASH or IMMEDIATE message
 * @param alarmRepeat how often an unacknowledged alarm repeats
 * @param escalateAfter how long an alarm stays at one escalation level
 * @param delayThreshold an item arriving later than this after its creation is marked delayed
 * @param expireAfter per precedence, how long a message may wait to be relayed to a party before it
 *     is EXPIRED there
 * @param limits message and queue bounds
 * @param reflection whether the gRPC server serves reflection (off: it lists the API to any caller)
 * @param peerKeys per peer nation ({@code allied.hotline.peer-keys.JPN}), the PEM file holding its
 *     national public key (its exchange service's {@code .pub.pem}), which verifies the chain heads
 *     it sends; a peer without one has every head refused with a CHAIN_MISMATCH alarm
 */
@Validated
@ConfigurationProperties("allied.hotline")
public record HotlineProperties(
    @NotBlank
        @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 3166-1 alpha-3 code such as KOR")
        String nation,
    @DefaultValue("127.0.0.1") @NotBlank String host,
    @DefaultValue("0") @Min(0) @Max(65535) int port,
    @NotNull Path dataDir,
    Path signingKeyFile,
    @Valid @DefaultValue Database database,
    @NotNull URI auditRedis,
    @DefaultValue("allied:audit")
        @Pattern(
            regexp = ServiceProperties.STREAM_KEY,
            message = ServiceProperties.STREAM_KEY_MESSAGE)
        String auditStream,
    @Valid @DefaultValue AuditDurabilitySettings auditDurability,
    @Valid @NotNull TokenSettings auth,
    @Valid @DefaultValue TlsSettings tls,
    @Valid @DefaultValue Gateway gateway,
    @Valid @DefaultValue RelayClient relayClient,
    Path conferencesFile,
    Path policyConfig,
    @DefaultValue("10s") @NotNull @DurationMin(millis = 100) Duration probeInterval,
    @DefaultValue("1s") @NotNull @DurationMin(millis = 1) Duration probeSlowAfter,
    @DefaultValue("1h") @NotNull @DurationMin(seconds = 1) Duration testInterval,
    @DefaultValue("5m") @NotNull @DurationMin(seconds = 1) Duration testAckWithin,
    @Valid @DefaultValue AckWithin ackWithin,
    @DefaultValue("1m") @NotNull @DurationMin(seconds = 1) Duration alarmRepeat,
    @DefaultValue("3m") @NotNull @DurationMin(seconds = 1) Duration escalateAfter,
    @DefaultValue("5s") @NotNull @DurationMin(millis = 1) Duration delayThreshold,
    @Valid @DefaultValue ExpireAfter expireAfter,
    @Valid @DefaultValue Limits limits,
    @DefaultValue("false") boolean reflection,
    Map<String, Path> peerKeys)
    implements ServiceProperties {

  /**
   * The PostgreSQL to use, as the exchange service's.
   *
   * @param url its JDBC URL
   * @param username the role the node works as, granted only what it needs
   * @param password its password
   * @param migrationUsername the role that owns the tables and runs the migrations; unset, the node
   *     migrates as {@code username}
   * @param migrationPassword its password
   */
  public record Database(
      @NotBlank(message = "must name the PostgreSQL (jdbc:postgresql://host:port/database)")
          String url,
      String username,
      String password,
      String migrationUsername,
      String migrationPassword) {}

  /**
   * The gateway the node pulls from its peers through.
   *
   * @param address {@code https://host:port} (TLS, trusting {@code caFile}, or the system's
   *     authorities when unset) or {@code http://host:port} (h2c, for one machine); unset, the node
   *     relays nothing (a node on its own)
   * @param authority the name the gateway's certificate is checked against, when it is not the
   *     address's host
   * @param caFile the authority that issued the gateway's certificate (PEM), e.g. the federation CA
   */
  public record Gateway(URI address, String authority, Path caFile) {}

  /**
   * The node's own identity, by the client-credentials grant.
   *
   * @param tokenUri the realm's token endpoint
   * @param clientId the client, {@code <nation>-hotline}
   * @param clientSecret its secret
   */
  public record RelayClient(URI tokenUri, String clientId, String clientSecret) {}

  /**
   * @param flash for FLASH and FLASH OVERRIDE
   * @param immediate for IMMEDIATE
   */
  public record AckWithin(
      @DefaultValue("2m") @NotNull @DurationMin(seconds = 1) Duration flash,
      @DefaultValue("10m") @NotNull @DurationMin(seconds = 1) Duration immediate) {}

  /** Per precedence, after the CCEB handling objectives. */
  public record ExpireAfter(
      @DefaultValue("10m") @NotNull @DurationMin(seconds = 1) Duration flash,
      @DefaultValue("30m") @NotNull @DurationMin(seconds = 1) Duration immediate,
      @DefaultValue("3h") @NotNull @DurationMin(seconds = 1) Duration priority,
      @DefaultValue("24h") @NotNull @DurationMin(seconds = 1) Duration routine) {}

  /**
   * @param maxMessageBytes the largest request accepted
   * @param relayQueue items queued per relay stream before it falls back to the store
   * @param watchQueue events queued per watch session before it falls back to the event log
   * @param gapRepairAfter how long a gap may stay open after a backlog before the stream is
   *     reopened from the contiguous watermark
   * @param shutdownGrace how long calls may take to finish at shutdown
   */
  public record Limits(
      @DefaultValue("1048576") @Min(1024) @Max(16777216) int maxMessageBytes,
      @DefaultValue("100000") @Min(16) int relayQueue,
      @DefaultValue("10000") @Min(16) int watchQueue,
      @DefaultValue("3s") @NotNull @DurationMin(millis = 10) Duration gapRepairAfter,
      @DefaultValue("10s") @NotNull Duration shutdownGrace)
      implements ServiceProperties.Limits {}

  /** The peer keys by upper-case nation code (environment variables bind them lower-cased). */
  public Map<String, Path> peerKeyFiles() {
    Map<String, Path> files = new java.util.TreeMap<>();
    if (peerKeys != null) {
      peerKeys.forEach(
          (nation, file) -> files.put(nation.toUpperCase(java.util.Locale.ROOT), file));
    }
    return files;
  }

  public Path signingKey() {
    return signingKeyFile != null ? signingKeyFile : dataDir.resolve("signing-key.pem");
  }

  /** Where the public half of the signing key is written, beside it. */
  public Path publicKeyFile() {
    return NationalKey.publicKeyFile(signingKey());
  }
}
