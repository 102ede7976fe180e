package org.alliedexchange.gateway;

import java.nio.file.Path;
import java.util.Map;
import org.alliedexchange.audit.AuditServiceApplication;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.FederationCertificates.Use;
import org.alliedexchange.exchange.ExchangeServiceApplication;

/**
 * A test federation's CA in {@code dir}: a server certificate for each backend, and the gateway's
 * client certificate, the only one the backends answer (so their addresses are https).
 */
final class BackendCertificates {

  final FederationCertificates authority;

  BackendCertificates(Path dir) {
    authority = FederationCertificates.openOrCreate(dir);
  }

  /** {@code nation}'s exchange service properties, serving with a certificate of this CA. */
  Map<String, Object> exchange(Map<String, Object> properties, String nation) {
    FederationCertificates.Issued server =
        authority.issue("exchange-" + nation.toLowerCase(), Use.SERVER);
    ExchangeServiceApplication.addTls(
        properties, server.certificate(), server.privateKey(), server.authority());
    return properties;
  }

  /** The audit service's properties, serving with a certificate of this CA. */
  Map<String, Object> audit(Map<String, Object> properties) {
    FederationCertificates.Issued server = authority.issue("audit", Use.SERVER);
    AuditServiceApplication.addTls(
        properties, server.certificate(), server.privateKey(), server.authority());
    return properties;
  }

  /** The gateway's properties, calling the backends with its client certificate. */
  Map<String, Object> gateway(Map<String, Object> properties) {
    FederationCertificates.Issued client = authority.issue("allied-gateway", Use.CLIENT);
    GatewayApplication.addBackendTls(
        properties, client.certificate(), client.privateKey(), client.authority());
    return properties;
  }
}
