package org.alliedexchange.audit.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The audit service's configuration ({@code allied.audit.*}), checked at start-up.
 *
 * @param dataDir   where the embedded database lives when none is configured
 * @param database  a PostgreSQL to use; empty url for the embedded one in {@code dataDir}
 * @param redis     the Redis holding the audit stream (redis://host:port)
 * @param stream    the audit stream's key
 * @param group     the consumer group every audit service replica joins
 * @param consumer  this replica's name in the group; a restarted replica with the same name resumes its own pending entries
 * @param batchSize stream entries read (and stored in one transaction) at a time; a gateway entry holds up to its batch of events
 * @param claimIdle how long an entry may stay pending with a consumer before another claims it
 * @param signingKey the key checkpoints are signed with (PEM); created in {@code dataDir} when unset
 * @param checkpointEvery how often the head of every chain that moved is signed
 * @param host      the address the auditors' gRPC API and the console listen on (loopback unless deliberately opened)
 * @param port      the auditors' gRPC API (0: any free port)
 * @param consolePort the auditor console's HTTP port (0: any free port), reached through the gateway
 * @param auth      how auditors' Keycloak tokens (relayed by the gateway) are validated
 * @param policyConfig the federation configuration file (its marking schemes label answers); the built-in one when unset
 * @param maxStreams queries and exports streamed at once; more are refused RESOURCE_EXHAUSTED
 * @param stallLimit how long a stream waits for a caller that reads nothing before ending it
 */
@Validated
@ConfigurationProperties("allied.audit")
public record AuditProperties(
    @NotNull Path dataDir,
    @Valid @DefaultValue Database database,
    @NotNull URI redis,
    @DefaultValue("allied:audit") @NotBlank String stream,
    @DefaultValue("audit-service") @NotBlank String group,
    @DefaultValue("audit-1") @NotBlank String consumer,
    @DefaultValue("500") @Min(1) @Max(100_000) int batchSize,
    @DefaultValue("30s") @NotNull @DurationMin(seconds = 1) Duration claimIdle,
    Path signingKey,
    @DefaultValue("10s") @NotNull @DurationMin(millis = 100) Duration checkpointEvery,
    @DefaultValue("127.0.0.1") @NotBlank String host,
    @DefaultValue("9700") @Min(0) @Max(65535) int port,
    @DefaultValue("9701") @Min(0) @Max(65535) int consolePort,
    @Valid @NotNull Auth auth,
    Path policyConfig,
    @DefaultValue("32") @Min(1) int maxStreams,
    @DefaultValue("60s") @NotNull @DurationMin(seconds = 1) Duration stallLimit) {

  public Path signingKeyFile() {
    return signingKey != null ? signingKey : dataDir.resolve("checkpoint-key.pem");
  }

  /**
   * @param issuer    the realm's issuer (the {@code iss} of its tokens)
   * @param jwksUri   the realm's keys; the issuer's {@code /protocol/openid-connect/certs} when unset
   * @param audience  the audience every token must carry
   * @param clockSkew how far token times may be off; 30 s at most
   */
  public record Auth(@NotNull URI issuer, URI jwksUri, @DefaultValue("allied-gateway") @NotBlank String audience,
      @DefaultValue("30s") @NotNull @DurationMin(seconds = 0) @DurationMax(seconds = 30, message = "must be between 0 and 30s") Duration clockSkew) {
    public URI jwks() {
      return jwksUri != null ? jwksUri : URI.create(issuer.toString().replaceAll("/+$", "") + "/protocol/openid-connect/certs");
    }
  }

  /** An external PostgreSQL; leave {@code url} empty for the embedded one. */
  public record Database(String url, String username, String password, @DefaultValue("0") @Min(0) int embeddedPort) {
    public boolean embedded() {
      return url == null || url.isBlank();
    }
  }
}
