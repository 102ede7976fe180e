package org.alliedexchange.cli.federation;

import java.nio.file.Path;
import java.util.Map;
import org.alliedexchange.audit.AuditServiceApplication;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.FederationCertificates.Use;
import org.alliedexchange.exchange.ExchangeServiceApplication;
import org.alliedexchange.gateway.GatewayApplication;
import org.alliedexchange.hotline.HotlineServiceApplication;

/**
 * The local federation's CA, kept in {@code <data-dir>/pki/}: a server certificate for each backend
 * and the gateway's client certificate ({@code allied-gateway}), the only caller the backends
 * answer. Certificates are issued afresh at every start; the CA stays.
 */
final class FederationPki {

  private final FederationCertificates authority;

  private FederationPki(FederationCertificates authority) {
    this.authority = authority;
  }

  static FederationPki open(Path dataDir) {
    return new FederationPki(FederationCertificates.openOrCreate(dataDir.resolve("pki")));
  }

  /** {@code nation}'s exchange service properties, serving with its certificate. */
  Map<String, Object> exchange(Map<String, Object> properties, String nation) {
    FederationCertificates.Issued server =
        authority.issue("exchange-" + nation.toLowerCase(), Use.SERVER);
    ExchangeServiceApplication.addTls(
        properties, server.certificate(), server.privateKey(), server.authority());
    return properties;
  }

  /** {@code nation}'s hotline node properties, serving with its certificate. */
  Map<String, Object> hotline(Map<String, Object> properties, String nation) {
    FederationCertificates.Issued server =
        authority.issue("hotline-" + nation.toLowerCase(), Use.SERVER);
    HotlineServiceApplication.addTls(
        properties, server.certificate(), server.privateKey(), server.authority());
    return properties;
  }

  /** The audit service's properties, serving its gRPC and console ports with its certificate. */
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
