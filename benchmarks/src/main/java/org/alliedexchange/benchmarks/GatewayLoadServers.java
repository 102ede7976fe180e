package org.alliedexchange.benchmarks;

import static org.alliedexchange.benchmarks.GatewayLoad.STREAM_MESSAGES;
import static org.alliedexchange.benchmarks.GatewayLoadDriver.RAW;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.label.BindingSigner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The servers the gateway load run measures through: the in-memory backend and the bare Spring
 * Cloud Gateway.
 */
final class GatewayLoadServers {

  private GatewayLoadServers() {}

  static byte[] product(BindingSigner signer) {
    SecurityLabel label =
        SecurityLabel.newBuilder()
            .setPolicy("KOR")
            .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
            .setMarking("군사II급비밀")
            .setOriginator("KOR")
            .addAllReleasableTo(List.of("KOR", "JPN", "USA"))
            .addCommunities("MISSILE_WARNING")
            .build();
    ProductContent content =
        ProductContent.newBuilder()
            .setId(java.util.UUID.randomUUID().toString())
            .setTopic("dprk.missile.launch")
            .setPublisher("kor-jcs-publisher")
            .setFreeText(
                org.alliedexchange.api.exchange.v1.FreeTextReport.newBuilder()
                    .setTitle("launch")
                    .setBody("x".repeat(600)))
            .build();
    return SearchResponse.newBuilder()
        .setLabel(label)
        .setContent(content)
        .setBinding(signer.sign(label.toByteArray(), content.toByteArray(), Instant.now()))
        .setCursor("s1")
        .build()
        .toByteArray();
  }

  /**
   * Get answers the product; Search streams it {@value GatewayLoad#STREAM_MESSAGES} times, paced by
   * the client's flow control.
   */
  static Server backend(byte[] product) throws IOException {
    return backend(product, null);
  }

  /**
   * The same backend over mutual TLS, as the gateway reaches real backends: {@code tls} a server
   * context requiring a client certificate; plaintext (h2c) when null.
   */
  static Server backend(byte[] product, SslContext tls) throws IOException {
    // Get answers a GetResponse: without the cursor, which it does not declare (the guard would
    // withhold it)
    byte[] unary =
        SearchResponse.parseFrom(product).toBuilder().clearCursor().build().toByteArray();
    ServerServiceDefinition.Builder service =
        ServerServiceDefinition.builder(ExchangeServiceGrpc.SERVICE_NAME);
    for (var method : ExchangeServiceGrpc.getServiceDescriptor().getMethods()) {
      MethodDescriptor<byte[], byte[]> raw =
          ((MethodDescriptor<?, ?>) method).toBuilder(RAW, RAW).build();
      if (raw.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
        service.addMethod(
            raw,
            ServerCalls.asyncServerStreamingCall(
                (request, responses) -> {
                  ServerCallStreamObserver<byte[]> out =
                      (ServerCallStreamObserver<byte[]>) responses;
                  int[] sent = {0};
                  AtomicBoolean done = new AtomicBoolean();
                  out.setOnReadyHandler(
                      () -> {
                        while (out.isReady() && sent[0] < STREAM_MESSAGES) {
                          out.onNext(product);
                          sent[0]++;
                        }
                        if (sent[0] == STREAM_MESSAGES && done.compareAndSet(false, true)) {
                          out.onCompleted();
                        }
                      });
                }));
      } else {
        service.addMethod(
            raw,
            ServerCalls.asyncUnaryCall(
                (request, responses) -> {
                  responses.onNext(unary);
                  responses.onCompleted();
                }));
      }
    }
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    if (tls != null) {
      builder.sslContext(tls);
    }
    return builder.addService(service.build()).build().start();
  }

  static ConfigurableApplicationContext bareGateway(String backend) {
    SpringApplication application = new SpringApplication(BareGateway.class);
    application.setWebApplicationType(WebApplicationType.REACTIVE);
    application.setDefaultProperties(
        Map.of(
            "server.port",
            "0",
            "server.address",
            "127.0.0.1",
            "server.http2.enabled",
            "true",
            "spring.main.banner-mode",
            "off",
            "bare.backend",
            backend,
            "spring.cloud.gateway.server.webflux.filter.json-to-grpc.enabled",
            "false"));
    return application.run();
  }
}
