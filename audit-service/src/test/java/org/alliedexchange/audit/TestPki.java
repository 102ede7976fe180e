package org.alliedexchange.audit;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.serviceruntime.GatewayOnlyTls;

/**
 * The tests' federation CA: a server certificate for each service a test starts, and channels that
 * present the gateway's client certificate, the only one the services answer.
 */
final class TestPki {

  private static TestPki shared;

  final FederationCertificates authority;
  final FederationCertificates.Issued gateway;
  private final AtomicInteger serial = new AtomicInteger();

  private TestPki(FederationCertificates authority) {
    this.authority = authority;
    this.gateway = authority.issue("allied-gateway", FederationCertificates.Use.CLIENT);
  }

  /** One CA for every test in this JVM. */
  static synchronized TestPki shared() {
    if (shared == null) {
      try {
        shared =
            new TestPki(
                FederationCertificates.openOrCreate(Files.createTempDirectory("allied-pki-")));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return shared;
  }

  /** Adds a fresh server certificate for {@code name} (a-z 0-9 -) to a service's properties. */
  synchronized Map<String, Object> serve(Map<String, Object> properties, String name) {
    FederationCertificates.Issued server =
        authority.issue(name + "-" + serial.incrementAndGet(), FederationCertificates.Use.SERVER);
    AuditServiceApplication.addTls(
        properties, server.certificate(), server.privateKey(), server.authority());
    return properties;
  }

  /** A channel to a service on this machine, calling as the gateway. */
  ManagedChannel asGateway(int port) {
    return presenting(gateway, port);
  }

  /** A channel to a service on this machine, presenting {@code certificate}. */
  static ManagedChannel presenting(FederationCertificates.Issued certificate, int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(
            GatewayOnlyTls.grpcClientContext(
                certificate.certificate(), certificate.privateKey(), certificate.authority()))
        .build();
  }
}
