package org.alliedexchange.serviceruntime;

import java.net.URI;
import java.time.Duration;
import org.alliedexchange.accesstoken.TokenSettings;

/**
 * What a backend's typed configuration (its {@code @ConfigurationProperties} record) gives the
 * shared runtime, read into {@link ServiceSettings#of}.
 */
public interface ServiceProperties {

  /** What an audit stream's base key may be: the service's own stream is made under it. */
  String STREAM_KEY = "[A-Za-z0-9][A-Za-z0-9:._-]{0,99}";

  String STREAM_KEY_MESSAGE =
      "must be a Redis key of letters, digits and :._- (at most 100), such as allied:audit";

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

  /**
   * The federation's base key of the audit streams ({@code allied:audit}, as the audit service's
   * {@code allied.audit.stream}): the service appends to its own stream under it.
   */
  String auditStream();

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
