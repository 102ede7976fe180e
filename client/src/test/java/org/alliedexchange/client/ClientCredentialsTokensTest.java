package org.alliedexchange.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tokens are fetched once, reused, and fetched again before they lapse; a refusal says why. */
class ClientCredentialsTokensTest {

  HttpServer keycloak;
  final AtomicInteger fetches = new AtomicInteger();
  final AtomicReference<String> answer = new AtomicReference<>();
  final AtomicInteger status = new AtomicInteger(200);
  final AtomicReference<String> form = new AtomicReference<>();
  Instant now = Instant.parse("2026-11-22T00:00:00Z");
  final Clock clock =
      new Clock() {
        @Override
        public java.time.ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  @BeforeEach
  void start() throws Exception {
    keycloak = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    keycloak.createContext(
        "/token",
        exchange -> {
          form.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          byte[] body =
              answer
                  .get()
                  .replace("N", Integer.toString(fetches.incrementAndGet()))
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status.get(), body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    keycloak.start();
  }

  @AfterEach
  void stop() {
    keycloak.stop(0);
  }

  ClientCredentialsTokens tokens() {
    return new ClientCredentialsTokens(
        URI.create("http://127.0.0.1:" + keycloak.getAddress().getPort() + "/token"),
        "jpn-mod-reader",
        "s3cret",
        clock);
  }

  @Test
  void aTokenIsReusedUntilAFifthOfItsLifeOr30SecondsIsLeft() {
    answer.set("{\"access_token\":\"token-N\",\"expires_in\":300}");
    ClientCredentialsTokens tokens = tokens();
    assertThat(tokens.token()).isEqualTo("token-1");
    assertThat(form.get())
        .contains(
            "grant_type=client_credentials", "client_id=jpn-mod-reader", "client_secret=s3cret");
    now = now.plus(Duration.ofSeconds(239));
    assertThat(tokens.token()).isEqualTo("token-1");
    now = now.plus(Duration.ofSeconds(1));
    assertThat(tokens.token()).isEqualTo("token-2");
    assertThat(fetches.get()).isEqualTo(2);
  }

  @Test
  void aShortLivedTokenIsRefreshedHalfWay() {
    answer.set("{\"access_token\":\"token-N\",\"expires_in\":20}");
    ClientCredentialsTokens tokens = tokens();
    assertThat(tokens.token()).isEqualTo("token-1");
    now = now.plus(Duration.ofSeconds(9));
    assertThat(tokens.token()).isEqualTo("token-1");
    now = now.plus(Duration.ofSeconds(1));
    assertThat(tokens.token()).isEqualTo("token-2");
  }

  @Test
  void aRefusalNamesKeycloaksReason() {
    status.set(401);
    answer.set(
        "{\"error\":\"unauthorized_client\",\"error_description\":\"Invalid client or Invalid client credentials\"}");
    assertThatThrownBy(() -> tokens().token())
        .isInstanceOf(TokenSource.TokenException.class)
        .hasMessageContaining("jpn-mod-reader")
        .hasMessageContaining("HTTP 401")
        .hasMessageContaining("Invalid client credentials");
  }

  @Test
  void anUnreachableKeycloakIsATokenFailureNotACrash() {
    keycloak.stop(0);
    assertThatThrownBy(() -> tokens().token())
        .isInstanceOf(TokenSource.TokenException.class)
        .hasMessageContaining("cannot reach");
  }
}
