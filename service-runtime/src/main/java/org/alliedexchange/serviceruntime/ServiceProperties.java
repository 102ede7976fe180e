package org.alliedexchange.serviceruntime;

import java.net.URI;
import java.time.Duration;
import org.alliedexchange.accesstoken.TokenSettings;

/**
 * What a backend's typed configuration (its {@code @ConfigurationProperties} record) gives the
 * shared runtime, read into {@link ServiceSettings#of}.
 */
public interface ServiceProperties {

  /** The nation the service serves. */
  String nation();

  /** The address its gRPC server binds. */
  String host();

  /** Its gRPC port; 0 for a free one. */
  int port();

  /** Its bounds. */
  Limits limits();

  /** Whether the gRPC server serves reflection. */
  boolean reflection();

  /** Who may connect: the gateways. */
  TlsSettings tls();

  /** How callers' Keycloak tokens are validated. */
  TokenSettings auth();

  /** The audit stream's Redis, as the service's own ACL user. */
  URI auditRedis();

  /** When its audit records count as durable. */
  AuditDurabilitySettings auditDurability();

  /** The bounds the shared runtime applies (a service's limits record holds more). */
  interface Limits {

    /** The largest request accepted. */
    int maxMessageBytes();

    /** How long calls may take to finish at shutdown. */
    Duration shutdownGrace();
  }
}
