package org.alliedexchange.gateway;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;

/**
 * A stand-in for a nation's exchange service that answers with whatever bytes a test scripts, so
 * the gateway's guard can be shown messages a real exchange service would never send (unlabelled,
 * forged, tampered, not releasable). It records what reached it.
 */
final class ScriptedExchange implements AutoCloseable {

  private static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** What the next call of a method answers: these messages, then this status. */
  record Script(List<byte[]> messages, Status status, Metadata trailers) {}

  final Map<String, Script> scripts = new ConcurrentHashMap<>();
  final List<Metadata> headersSeen = new CopyOnWriteArrayList<>();
  final List<byte[]> requestsSeen = new CopyOnWriteArrayList<>();
  final List<StreamObserver<byte[]>> subscribers = new CopyOnWriteArrayList<>();

  /** Methods whose calls are taken and never answered, as by a hung exchange service. */
  final java.util.Set<String> hanging = ConcurrentHashMap.newKeySet();

  /**
   * Headers every answer starts with, besides gRPC's own (a bad backend's extras); null for none.
   */
  volatile Metadata responseHeaders;

  private final Server server;
  private final boolean tls;

  ScriptedExchange() throws IOException {
    this(null);
  }

  /**
   * @param tls the server's TLS context, or null for plaintext h2c
   */
  ScriptedExchange(io.grpc.netty.shaded.io.netty.handler.ssl.SslContext tls) throws IOException {
    this.tls = tls != null;
    ServerServiceDefinition.Builder service =
        ServerServiceDefinition.builder(ExchangeServiceGrpc.SERVICE_NAME);
    for (var method : ExchangeServiceGrpc.getServiceDescriptor().getMethods()) {
      MethodDescriptor<byte[], byte[]> raw =
          ((MethodDescriptor<?, ?>) method).toBuilder(RAW, RAW).build();
      String name = raw.getBareMethodName();
      if ("Subscribe".equals(name)) {
        service.addMethod(
            raw,
            ServerCalls.asyncServerStreamingCall(
                (request, responses) -> {
                  requestsSeen.add(request);
                  subscribers.add(responses);
                }));
      } else if (raw.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
        service.addMethod(
            raw,
            ServerCalls.asyncServerStreamingCall(
                (request, responses) -> answer(name, request, responses)));
      } else {
        service.addMethod(
            raw,
            ServerCalls.asyncUnaryCall((request, responses) -> answer(name, request, responses)));
      }
    }
    ServerInterceptor recordHeaders =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            headersSeen.add(headers);
            return next.startCall(
                new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                  @Override
                  public void sendHeaders(Metadata sent) {
                    Metadata extra = responseHeaders;
                    if (extra != null) {
                      sent.merge(extra);
                    }
                    super.sendHeaders(sent);
                  }
                },
                headers);
          }
        };
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(service.build(), recordHeaders));
    if (tls != null) {
      builder.sslContext(tls);
    }
    server = builder.build().start();
  }

  private void answer(String method, byte[] request, StreamObserver<byte[]> responses) {
    requestsSeen.add(request);
    if (hanging.contains(method)) {
      return;
    }
    Script script =
        scripts.getOrDefault(
            method,
            new Script(
                List.of(), Status.UNIMPLEMENTED.withDescription("no script for " + method), null));
    script.messages().forEach(responses::onNext);
    if (script.status().isOk() && script.trailers() == null) {
      responses.onCompleted();
    } else {
      responses.onError(script.status().asRuntimeException(script.trailers()));
    }
  }

  void script(String method, List<byte[]> messages) {
    scripts.put(method, new Script(messages, Status.OK, null));
  }

  void script(String method, List<byte[]> messages, Status status, Metadata trailers) {
    scripts.put(method, new Script(messages, status, trailers));
  }

  /** Sends a message to every open subscription. */
  void push(byte[] message) {
    subscribers.forEach(s -> s.onNext(message));
  }

  String address() {
    return (tls ? "https" : "http") + "://127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    subscribers.forEach(
        s -> {
          try {
            s.onCompleted();
          } catch (RuntimeException e) {
            // already cancelled
          }
        });
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
