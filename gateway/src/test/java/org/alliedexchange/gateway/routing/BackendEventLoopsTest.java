package org.alliedexchange.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

class BackendEventLoopsTest {

  /**
   * As the gateway reaches a backend: HTTP/2 without TLS, at most 8 pooled connections, many calls
   * at once. Each connection's messages are read on its loop, so connections sharing one loop share
   * one core.
   */
  @Test
  void connectionsToABackendAreSpreadOverEveryLoop() {
    DisposableServer backend =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .protocol(HttpProtocol.H2C)
            // calls held open a while, so the pool opens all its connections
            .handle(
                (request, response) ->
                    response.sendString(Mono.delay(Duration.ofMillis(200)).map(d -> "ok")))
            .bindNow();
    BackendEventLoops loops = new BackendEventLoops(2);
    ConnectionProvider pool =
        ConnectionProvider.builder("backend")
            .maxConnections(8)
            .pendingAcquireTimeout(Duration.ofSeconds(10))
            .build();
    try {
      Map<Channel, EventLoop> connections = new ConcurrentHashMap<>();
      HttpClient client =
          HttpClient.create(pool)
              .protocol(HttpProtocol.H2C)
              .runOn(loops)
              .doOnConnected(
                  stream -> {
                    Channel stream0 = stream.channel();
                    Channel connection = stream0.parent() == null ? stream0 : stream0.parent();
                    connections.put(connection, connection.eventLoop());
                  });
      List<String> answers =
          Flux.range(0, 40)
              .flatMap(
                  i ->
                      client
                          .get()
                          .uri("http://127.0.0.1:" + backend.port() + "/")
                          .responseContent()
                          .aggregate()
                          .asString(),
                  40)
              .collectList()
              .block(Duration.ofSeconds(30));

      assertThat(answers).hasSize(40).containsOnly("ok");
      assertThat(connections).hasSizeGreaterThan(2);
      Set<EventLoop> used = Set.copyOf(connections.values());
      assertThat(used).as("the loops the connections were registered with").hasSize(2);
      if (Epoll.isAvailable()) {
        assertThat(connections.keySet())
            .allSatisfy(c -> assertThat(c).isInstanceOf(EpollSocketChannel.class));
      }
    } finally {
      pool.disposeLater().block(Duration.ofSeconds(10));
      backend.disposeNow();
      loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
