package org.alliedexchange.exchange.config;

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
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.serviceruntime.AuditDurabilitySettings;
import org.alliedexchange.serviceruntime.ServiceProperties;
import org.alliedexchange.serviceruntime.TlsSettings;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The configuration of one nation's exchange service ({@code allied.exchange.*}), checked at
 * start-up: a wrong value stops the service with a message naming the key.
 *
 * @param nation the nation this instance serves, ISO 3166-1 alpha-3; must be in the federation
 *     configuration
 * @param host the address the gRPC server binds; loopback unless deliberately opened
 * @param port the gRPC port; 0 for a free one (the chosen port is logged)
 * @param dataDir where a generated signing key lives when none is configured
 * @param database the PostgreSQL the service keeps its products in (required)
 * @param signingKey the nation's binding key (PEM, PKCS#8 + X.509); created in {@code dataDir} when
 *     unset
 * @param auth how callers' Keycloak tokens are validated
 * @param auditRedis the audit stream's Redis, as this service's own ACL user
 *     (redis://exchange:password@host:port, or rediss://...?cacert=ca.pem over TLS); amendments are
 *     refused when it cannot take a record
 * @param auditStream the federation's base key of the audit streams, as the audit service's {@code
 *     allied.audit.stream} ({@code allied:audit}); this service appends to {@code
 *     <base>:exchange:<NATION>}
 * @param auditDurability when a record counts as durable: {@code fsync} (default) or {@code
 *     replicated} (acknowledged by replicas through {@code WAIT})
 * @param policyConfig the federation configuration file; the built-in one when unset
 * @param limits message, page and queue bounds
 * @param tls mutual TLS: the service's certificate, and the gateways it alone answers
 * @param reflection whether the gRPC server serves reflection (off: it lists the API to any caller)
 */
@Validated
@ConfigurationProperties("allied.exchange")
public record ExchangeProperties(
    @NotBlank
        @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 3166-1 alpha-3 code such as KOR")
        String nation,
    @DefaultValue("127.0.0.1") @NotBlank String host,
    @DefaultValue("0") @Min(0) @Max(65535) int port,
    @NotNull Path dataDir,
    @Valid @DefaultValue Database database,
    Path signingKey,
    @Valid @NotNull TokenSettings auth,
    @NotNull URI auditRedis,
    @DefaultValue("allied:audit")
        @Pattern(
            regexp = ServiceProperties.STREAM_KEY,
            message = ServiceProperties.STREAM_KEY_MESSAGE)
        String auditStream,
    @Valid @DefaultValue AuditDurabilitySettings auditDurability,
    Path policyConfig,
    @Valid @DefaultValue Limits limits,
    @Valid @DefaultValue TlsSettings tls,
    @DefaultValue("false") boolean reflection)
    implements ServiceProperties {

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

  /**
   * @param maxMessageBytes the largest request accepted
   * @param searchPageSize products per search call when the request names no size
   * @param searchPageMax the most products one search call returns
   * @param withheldIdsPerSecond how many withheld rows' product ids each national system's
   *     summaries may list per second, on average (a minute's worth at once); its further rows are
   *     counted and in the digest, not listed. It bounds how fast one system's reads of rows it may
   *     not have can grow the append-only audit log
   * @param subscriberQueue live products buffered per subscriber before it falls back to catching
   *     up from the database
   * @param shutdownGrace how long calls may take to finish at shutdown
   */
  public record Limits(
      @DefaultValue("1048576") @Min(1024) @Max(16777216) int maxMessageBytes,
      @DefaultValue("500") @Min(1) int searchPageSize,
      @DefaultValue("5000") @Min(1) int searchPageMax,
      @DefaultValue("2000") @Min(1) @Max(1000000) int withheldIdsPerSecond,
      @DefaultValue("10000") @Min(16) int subscriberQueue,
      @DefaultValue("10s") @NotNull Duration shutdownGrace)
      implements ServiceProperties.Limits {}

  public Path signingKeyFile() {
    return signingKey != null ? signingKey : dataDir.resolve("signing-key.pem");
  }

  /**
   * Where the service writes its binding key's public half (PEM) for the gateways: beside the key,
   * {@code .pub.pem}.
   */
  public Path publicKeyFile() {
    return NationalKey.publicKeyFile(signingKeyFile());
  }
}
