package org.alliedexchange.audit.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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
    @DefaultValue("10s") @NotNull @DurationMin(millis = 100) Duration checkpointEvery) {

  public Path signingKeyFile() {
    return signingKey != null ? signingKey : dataDir.resolve("checkpoint-key.pem");
  }

  /** An external PostgreSQL; leave {@code url} empty for the embedded one. */
  public record Database(String url, String username, String password, @DefaultValue("0") @Min(0) int embeddedPort) {
    public boolean embedded() {
      return url == null || url.isBlank();
    }
  }
}
