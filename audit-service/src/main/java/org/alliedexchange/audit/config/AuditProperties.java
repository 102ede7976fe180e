package org.alliedexchange.audit.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.serviceruntime.ServiceProperties;
import org.alliedexchange.serviceruntime.TlsSettings;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The audit service's configuration ({@code allied.audit.*}), checked at start-up.
 *
 * @param dataDir where a generated checkpoint signing key lives when none is configured
 * @param database the PostgreSQL the audit log is kept in (required)
 * @param auditRedis the Redis holding the audit stream: redis://audit:password@host:port, or
 *     rediss://...?cacert=ca.pem over TLS, as this service's own ACL user
 * @param stream the audit stream's key
 * @param group the consumer group every audit service replica joins
 * @param consumer this replica's name in the group; a restarted replica with the same name resumes
 *     its own pending entries
 * @param batchSize stream entries read (and stored in one transaction) at a time; a gateway entry
 *     holds up to its batch of events
 * @param claimIdle how long an entry may stay pending with a consumer before another claims it
 * @param signingKey the key checkpoints are signed with (PEM); created in {@code dataDir} when
 *     unset
 * @param checkpointEvery how often the head of every chain that moved is signed
 * @param host the address the auditors' gRPC API and the console listen on (loopback unless
 *     deliberately opened)
 * @param port the auditors' gRPC API (0: any free port)
 * @param consolePort the auditor console's HTTP port (0: any free port), reached through the
 *     gateway
 * @param auth how auditors' Keycloak tokens (relayed by the gateway) are validated
 * @param policyConfig the federation configuration file (its marking schemes label answers); the
 *     built-in one when unset
 * @param maxStreams queries and exports streamed at once; more are refused RESOURCE_EXHAUSTED
 * @param stallLimit how long a stream waits for a caller that reads nothing before ending it
 * @param tls mutual TLS on the gRPC and console ports: the service's certificate, and the gateways
 *     it alone answers
 * @param reflection whether the gRPC server serves reflection (off: it lists the API to any caller)
 */
@Validated
@ConfigurationProperties("allied.audit")
public record AuditProperties(
    @NotNull Path dataDir,
    @Valid @DefaultValue Database database,
    @NotNull URI auditRedis,
    @DefaultValue("allied:audit")
        @Pattern(
            regexp = ServiceProperties.STREAM_KEY,
            message = ServiceProperties.STREAM_KEY_MESSAGE)
        String stream,
    @DefaultValue("audit-service") @NotBlank String group,
    @DefaultValue("audit-1") @NotBlank String consumer,
    @DefaultValue("500") @Min(1) @Max(100_000) int batchSize,
    @DefaultValue("30s") @NotNull @DurationMin(seconds = 1) Duration claimIdle,
    Path signingKey,
    @DefaultValue("10s") @NotNull @DurationMin(millis = 100) Duration checkpointEvery,
    @DefaultValue("127.0.0.1") @NotBlank String host,
    @DefaultValue("9700") @Min(0) @Max(65535) int port,
    @DefaultValue("9701") @Min(0) @Max(65535) int consolePort,
    @Valid @NotNull TokenSettings auth,
    Path policyConfig,
    @DefaultValue("32") @Min(1) int maxStreams,
    @DefaultValue("60s") @NotNull @DurationMin(seconds = 1) Duration stallLimit,
    @Valid @DefaultValue TlsSettings tls,
    @DefaultValue("false") boolean reflection) {

  public Path signingKeyFile() {
    return signingKey != null ? signingKey : dataDir.resolve("checkpoint-key.pem");
  }

  /**
   * The PostgreSQL to use: on one machine, a {@code LocalPostgres} its runner started.
   *
   * @param url its JDBC URL ({@code sslmode} and the driver's other settings may be given in it)
   * @param username the role the service works as, granted only what it needs
   * @param password its password
   * @param migrationUsername the role that owns the tables and runs the migrations; unset, the
   *     service migrates as {@code username} (which then owns, and may change, its tables)
   * @param migrationPassword its password
   */
  public record Database(
      @NotBlank(message = "must name the PostgreSQL (jdbc:postgresql://host:port/database)")
          String url,
      String username,
      String password,
      String migrationUsername,
      String migrationPassword) {}
}
