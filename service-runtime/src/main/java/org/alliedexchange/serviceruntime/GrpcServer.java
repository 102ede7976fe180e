package org.alliedexchange.serviceruntime;

import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A service's gRPC server: its API behind authentication, plus health, and reflection when asked;
 * mutual TLS that admits only the gateways (or plaintext, when explicitly configured); bounded
 * message and metadata sizes; a server span per call; graceful shutdown (health goes NOT_SERVING,
 * new calls are refused, running calls get {@code shutdownGrace} to finish).
 */
public final class GrpcServer implements SmartLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);

  private final String host;
  private final int requestedPort;
  private final int maxMessageBytes;
  private final Duration shutdownGrace;
  private final String name;
  private final List<ServerServiceDefinition> services;
  private final ServerInterceptor authentication;
  private final ServerInterceptor telemetry;
  private final CallMetrics metrics;
  private final GatewayOnlyTls tls;
  private final boolean reflection;
  private final HealthStatusManager health = new HealthStatusManager();
  private volatile Server server;

  /**
   * @param name what the log calls this server, e.g. "exchange service"
   * @param services the API, each service behind {@code authentication}
   * @param tls who may connect; null for plaintext to anyone (only when configured so explicitly)
   * @param reflection whether to serve gRPC reflection, which lists the API to whoever connects
   */
  public GrpcServer(
      String name,
      String host,
      int port,
      int maxMessageBytes,
      Duration shutdownGrace,
      List<ServerServiceDefinition> services,
      ServerInterceptor authentication,
      ServerInterceptor telemetry,
      GatewayOnlyTls tls,
      boolean reflection) {
    this(
        name,
        host,
        port,
        maxMessageBytes,
        shutdownGrace,
        services,
        authentication,
        telemetry,
        tls,
        reflection,
        null);
  }

  /** As above, with every call of {@code services} counted by {@code metrics} (null: none). */
  public GrpcServer(
      String name,
      String host,
      int port,
      int maxMessageBytes,
      Duration shutdownGrace,
      List<ServerServiceDefinition> services,
      ServerInterceptor authentication,
      ServerInterceptor telemetry,
      GatewayOnlyTls tls,
      boolean reflection,
      CallMetrics metrics) {
    this.metrics = metrics;
    this.name = name;
    this.host = host;
    this.requestedPort = port;
    this.maxMessageBytes = maxMessageBytes;
    this.shutdownGrace = shutdownGrace;
    this.services = List.copyOf(services);
    this.authentication = authentication;
    this.telemetry = telemetry;
    this.tls = tls;
    this.reflection = reflection;
  }

  @Override
  public void start() {
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress(host, requestedPort));
      for (ServerServiceDefinition service : services) {
        // authentication first, then requests must be canonical before a handler sees them
        ServerServiceDefinition guarded =
            ServerInterceptors.intercept(
                service, new CanonicalRequests(), new StatusExceptions(), authentication);
        // counted outside authentication, so its refusals are counted too
        builder.addService(
            metrics == null ? guarded : ServerInterceptors.intercept(guarded, metrics));
      }
      if (tls != null) {
        builder.sslContext(tls.grpcServerContext());
      }
      if (reflection) {
        builder.addService(ProtoReflectionServiceV1.newInstance());
      }
      server =
          builder
              .addService(health.getHealthService())
              .intercept(telemetry)
              .maxInboundMessageSize(maxMessageBytes)
              .maxInboundMetadataSize(16 * 1024)
              .permitKeepAliveTime(20, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true)
              .handshakeTimeout(10, TimeUnit.SECONDS)
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen on " + host + ":" + requestedPort + ": " + e.getMessage(), e);
    }
    health.setStatus("", ServingStatus.SERVING);
    for (ServerServiceDefinition service : services) {
      health.setStatus(service.getServiceDescriptor().getName(), ServingStatus.SERVING);
    }
    LOG.info(
        "{} listening on {}:{} ({})",
        name,
        host,
        port(),
        tls == null ? "PLAINTEXT, no client certificate checked" : "mutual TLS, gateways only");
  }

  /**
   * Reports the health of a part of the service under its own name (next to the server's, ""), for
   * a probe that asks for it; ignored once the server is shutting down.
   */
  public void setHealth(String service, boolean serving) {
    health.setStatus(service, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /** The port actually bound. */
  public int port() {
    Server running = server;
    return running == null ? -1 : running.getPort();
  }

  @Override
  public void stop() {
    Server running = server;
    if (running == null) {
      return;
    }
    health.enterTerminalState();
    running.shutdown();
    try {
      if (!running.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("calls still running after {}; cancelling them", shutdownGrace);
        running.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      running.shutdownNow();
      Thread.currentThread().interrupt();
    }
    server = null;
  }

  @Override
  public boolean isRunning() {
    return server != null;
  }
}
