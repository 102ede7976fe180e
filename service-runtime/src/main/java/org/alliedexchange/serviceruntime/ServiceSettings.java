package org.alliedexchange.serviceruntime;

import java.net.URI;
import java.time.Duration;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.auditstream.AuditDurability;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.auditstream.RedisConnections;

/**
 * What {@link ServiceRuntimeConfiguration} assembles a backend from, taken from the service's own
 * typed configuration ({@link #of}). The audit stream's Redis is checked here (redis:// or
 * rediss://, a user of its own), so a wrong URL stops the service naming {@code
 * <keyPrefix>.audit-redis}, never the password.
 *
 * @param name what the logs and probes call it, e.g. "exchange service KOR"
 * @param service its {@code service.name} in traces, e.g. "exchange-service"
 * @param nation the nation it serves
 * @param keyPrefix its configuration's prefix, e.g. "allied.exchange", named in start-up errors
 * @param host the address its gRPC server binds
 * @param port its gRPC port; 0 for a free one
 * @param maxMessageBytes the largest request accepted
 * @param shutdownGrace how long calls may take to finish at shutdown
 * @param reflection whether the gRPC server serves reflection
 * @param tls who may connect: the gateways
 * @param auth how callers' Keycloak tokens are validated
 * @param auditRedis the audit stream's Redis, as the service's own ACL user
 * @param auditDurability when its audit records count as durable
 * @param auditWriter who it is on the audit stream: its own stream, and what it may record there
 * @param auditStreamBase the federation's base key of the audit streams, its own under it
 */
public record ServiceSettings(
    String name,
    String service,
    String nation,
    String keyPrefix,
    String host,
    int port,
    int maxMessageBytes,
    Duration shutdownGrace,
    boolean reflection,
    TlsSettings tls,
    TokenSettings auth,
    URI auditRedis,
    AuditDurability auditDurability,
    AuditWriter auditWriter,
    String auditStreamBase) {

  /** How long an audit write may wait on Redis, replicas included. */
  public static final Duration AUDIT_TIMEOUT = Duration.ofSeconds(2);

  public ServiceSettings {
    RedisConnections.check(auditRedis, keyPrefix + ".audit-redis");
    if (auditDurability == null) {
      auditDurability = AuditDurability.FSYNC;
    }
    if (auditStreamBase == null || auditStreamBase.isBlank()) {
      auditStreamBase = AuditStream.DEFAULT_KEY;
    }
  }

  /**
   * The settings of {@code service} (e.g. "exchange-service", configured under {@code keyPrefix})
   * from its configuration; {@code title} (e.g. "exchange service") and the nation name it in logs
   * and probes, and {@code writer} with the nation says which audit stream it appends to.
   */
  public static ServiceSettings of(
      String title,
      String service,
      String keyPrefix,
      ServiceProperties properties,
      AuditWriter.Kind writer) {
    return new ServiceSettings(
        title + " " + properties.nation(),
        service,
        properties.nation(),
        keyPrefix,
        properties.host(),
        properties.port(),
        properties.limits().maxMessageBytes(),
        properties.limits().shutdownGrace(),
        properties.reflection(),
        properties.tls(),
        properties.auth(),
        properties.auditRedis(),
        properties.auditDurability() == null
            ? AuditDurability.FSYNC
            : properties
                .auditDurability()
                .toAuditDurability(keyPrefix + ".audit-durability", AUDIT_TIMEOUT),
        new AuditWriter(writer, properties.nation()),
        properties.auditStream());
  }

  /** The key of this service's own audit stream. */
  public String auditStream() {
    return auditWriter.streamKey(auditStreamBase);
  }
}
