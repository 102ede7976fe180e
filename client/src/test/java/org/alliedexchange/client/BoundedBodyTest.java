package org.alliedexchange.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Whatever answers at the token endpoint's address cannot make the client hold an endless body. */
class BoundedBodyTest {

  HttpServer endpoint;

  @BeforeEach
  void start() throws IOException {
    endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // a token "response" that never ends: chunked, 64 KiB at a time, far past the bound
    endpoint.createContext(
        "/endless",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          byte[] chunk = new byte[64 * 1024];
          java.util.Arrays.fill(chunk, (byte) ' ');
          try (OutputStream out = exchange.getResponseBody()) {
            for (int i = 0; i < 1024; i++) {
              out.write(chunk);
            }
          } catch (IOException clientWentAway) {
            // what the bound is for
          }
        });
    endpoint.createContext(
        "/token",
        exchange -> {
          byte[] body =
              "{\"access_token\":\"t\",\"expires_in\":300}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    endpoint.start();
  }

  @AfterEach
  void stop() {
    endpoint.stop(0);
  }

  URI at(String path) {
    return URI.create("http://127.0.0.1:" + endpoint.getAddress().getPort() + path);
  }

  @Test
  void anEndlessTokenAnswerIsRefusedNotHeld() {
    IllegalStateException refused =
        assertThrows(
            IllegalStateException.class,
            () -> ClientCredentials.request(at("/endless"), "kor-jcs", "secret"));
    assertThat(refused)
        .hasMessageContaining("cannot reach the token endpoint")
        .hasMessageContaining("larger than " + BoundedBody.MAX_BYTES + " bytes");

    TokenSource.TokenException viaTokens =
        assertThrows(
            TokenSource.TokenException.class,
            new ClientCredentialsTokens(at("/endless"), "kor-jcs", "secret", Clock.systemUTC())
                ::token);
    assertThat(viaTokens).hasMessageContaining("larger than");
  }

  @Test
  void anAnswerWithinTheBoundIsReadWhole() throws Exception {
    assertThat(ClientCredentials.request(at("/token"), "kor-jcs", "secret").accessToken())
        .isEqualTo("t");

    String body =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(at("/token")).build(), BoundedBody.ofString(37))
            .body();
    assertThat(body).hasSize(37);
    assertThrows(
        IOException.class,
        () ->
            HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(at("/token")).build(), BoundedBody.ofString(36)));
  }
}
