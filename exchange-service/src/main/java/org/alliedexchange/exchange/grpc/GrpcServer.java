package org.alliedexchange.exchange.grpc;

import io.grpc.ServerServiceDefinition;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The gRPC server: the exchange API behind authentication, plus health and reflection; bounded message
 * and metadata sizes; a server span per call; graceful shutdown (health goes NOT_SERVING, new calls are
 * refused, running calls get {@code shutdownGrace} to finish).
 */
public final class GrpcServer implements SmartLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);

  private final String host;
  private final int requestedPort;
  private final int maxMessageBytes;
  private final Duration shutdownGrace;
  private final ServerServiceDefinition exchange;
  private final ServerInterceptor authentication;
  private final ServerInterceptor telemetry;
  private final HealthStatusManager health = new HealthStatusManager();
  private volatile Server server;

  public GrpcServer(String host, int port, int maxMessageBytes, Duration shutdownGrace, ServerServiceDefinition exchange,
      ServerInterceptor authentication, ServerInterceptor telemetry) {
    this.host = host;
    this.requestedPort = port;
    this.maxMessageBytes = maxMessageBytes;
    this.shutdownGrace = shutdownGrace;
    this.exchange = exchange;
    this.authentication = authentication;
    this.telemetry = telemetry;
  }

  @Override
  public void start() {
    try {
      server = NettyServerBuilder.forAddress(new InetSocketAddress(host, requestedPort))
          .addService(ServerInterceptors.intercept(exchange, new StatusExceptions(), authentication))
          .addService(health.getHealthService())
          .addService(ProtoReflectionServiceV1.newInstance())
          .intercept(telemetry)
          .maxInboundMessageSize(maxMessageBytes)
          .maxInboundMetadataSize(16 * 1024)
          .permitKeepAliveTime(20, TimeUnit.SECONDS)
          .permitKeepAliveWithoutCalls(true)
          .handshakeTimeout(10, TimeUnit.SECONDS)
          .build()
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ":" + requestedPort + ": " + e.getMessage(), e);
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(ExchangeServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    LOG.info("exchange service listening on {}:{}", host, port());
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
