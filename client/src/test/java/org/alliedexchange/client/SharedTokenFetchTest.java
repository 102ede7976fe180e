package org.alliedexchange.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many subscriptions and calls of one process at once: one token fetch per client id in flight, the
 * others wait for it; and a token endpoint that refuses requests beyond a few at a time (as an
 * HTTP/2 server past its stream limit does) still answers every client.
 */
class SharedTokenFetchTest {

  /** What the fake Keycloak answers at once; beyond it, 503 (the failure the client must avoid). */
  static final int SERVER_LIMIT = ClientCredentials.CONCURRENT_REQUESTS;

  HttpServer keycloak;
  ExecutorService callers;
  final AtomicInteger fetches = new AtomicInteger();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger mostAtOnce = new AtomicInteger();
  final AtomicInteger turnedAway = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    keycloak = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    keycloak.setExecutor(Executors.newFixedThreadPool(64));
    keycloak.createContext(
        "/token",
        exchange -> {
          int now = inFlight.incrementAndGet();
          mostAtOnce.accumulateAndGet(now, Math::max);
          try {
            String form =
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (now > SERVER_LIMIT) {
              turnedAway.incrementAndGet();
              exchange.sendResponseHeaders(503, -1);
              return;
            }
            // slow enough that the callers pile up behind the fetch in flight
            Thread.sleep(50);
            int n = fetches.incrementAndGet();
            String client = form.replaceAll(".*client_id=([^&]*).*", "$1");
            byte[] body =
                ("{\"access_token\":\"" + client + "-" + n + "\",\"expires_in\":300}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            inFlight.decrementAndGet();
            exchange.close();
          }
        });
    keycloak.start();
    callers = Executors.newFixedThreadPool(200);
  }

  @AfterEach
  void stop() {
    callers.shutdownNow();
    keycloak.stop(0);
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + keycloak.getAddress().getPort() + "/token");
  }

  /** Runs {@code task} on {@code n} threads released at once; the tokens they got. */
  List<String> atOnce(int n, java.util.function.IntFunction<String> task) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
      results.add(
          callers.submit(
              () -> {
                go.await();
                return task.apply(index);
              }));
    }
    go.countDown();
    List<String> tokens = new ArrayList<>();
    for (Future<String> result : results) {
      tokens.add(result.get(60, TimeUnit.SECONDS));
    }
    return tokens;
  }

  @Test
  void twoHundredCallersOfOneClientShareOneFetch() throws Exception {
    String secret = "s-" + System.nanoTime();
    List<String> tokens =
        atOnce(
            200, i -> ClientCredentialsTokens.shared(endpoint(), "jpn-mod-reader", secret).token());

    assertThat(fetches).hasValue(1);
    assertThat(Set.copyOf(tokens)).containsExactly("jpn-mod-reader-1");
  }

  @Test
  void theSameIdentityIsOneSourceAndARotatedSecretReplacesIt() {
    ClientCredentialsTokens first = ClientCredentialsTokens.shared(endpoint(), "usa-dia", "a");
    assertThat(ClientCredentialsTokens.shared(endpoint(), "usa-dia", "a")).isSameAs(first);
    ClientCredentialsTokens rotated = ClientCredentialsTokens.shared(endpoint(), "usa-dia", "b");
    assertThat(rotated).isNotSameAs(first);
    assertThat(ClientCredentialsTokens.shared(endpoint(), "usa-navy", "b")).isNotSameAs(rotated);
    // the rotation dropped the old secret's source: asking with it again makes a new one
    assertThat(ClientCredentialsTokens.shared(endpoint(), "usa-dia", "a")).isNotSameAs(first);
  }

  @Test
  void twoHundredClientsAtOnceAllGetTokensFromAnEndpointThatTurnsAwayTheExcess() throws Exception {
    String secret = "s-" + System.nanoTime();
    List<String> tokens =
        atOnce(200, i -> ClientCredentialsTokens.shared(endpoint(), "system-" + i, secret).token());

    assertThat(turnedAway).as("requests beyond what the endpoint answers at once").hasValue(0);
    assertThat(mostAtOnce.get()).isLessThanOrEqualTo(SERVER_LIMIT);
    assertThat(fetches).hasValue(200);
    Set<String> distinct = ConcurrentHashMap.newKeySet();
    distinct.addAll(tokens);
    assertThat(distinct).hasSize(200).allMatch(token -> token.startsWith("system-"));
  }

  @Test
  void aThousandRefusalsOfTheSameTokenRenewItOnce() throws Exception {
    ClientCredentialsTokens tokens =
        ClientCredentialsTokens.shared(endpoint(), "kor-jcs", "s-" + System.nanoTime());
    String revoked = tokens.token();

    List<String> renewed =
        atOnce(
            1000,
            i -> {
              tokens.refresh(revoked);
              return tokens.token();
            });

    assertThat(fetches).as("the first fetch and one renewal").hasValue(2);
    assertThat(Set.copyOf(renewed)).containsExactly("kor-jcs-2");

    // a refusal of the token now held renews it again
    tokens.refresh("kor-jcs-2");
    assertThat(tokens.token()).isEqualTo("kor-jcs-3");
  }

  /** Where nothing may be run: a call waiting for a token must not need a thread. */
  static final java.util.concurrent.Executor NO_THREADS =
      task -> {
        throw new AssertionError("a waiting call asked for a thread");
      };

  @Test
  void aThousandCallsWaitingForOneFetchHoldNoThread() throws Exception {
    ClientCredentialsTokens tokens =
        ClientCredentialsTokens.shared(endpoint(), "kor-watch", "s-" + System.nanoTime());

    // all asked from this one thread while the first fetch is in flight (the endpoint takes 50 ms)
    List<java.util.concurrent.CompletableFuture<String>> waiting = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      waiting.add(tokens.tokenAsync(NO_THREADS));
    }

    Set<String> got = ConcurrentHashMap.newKeySet();
    for (var future : waiting) {
      got.add(future.get(30, TimeUnit.SECONDS));
    }
    assertThat(got).containsExactly("kor-watch-1");
    assertThat(fetches).hasValue(1);
    // fresh, it is handed over at once
    assertThat(tokens.tokenAsync(NO_THREADS)).isCompletedWithValue("kor-watch-1");
  }

  @Test
  void twoHundredClientsAskedFromOneThreadAllGetTokensWithinTheEndpointsLimit() throws Exception {
    String secret = "s-" + System.nanoTime();
    List<java.util.concurrent.CompletableFuture<String>> asked = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      asked.add(
          ClientCredentialsTokens.shared(endpoint(), "node-" + i, secret).tokenAsync(NO_THREADS));
    }

    Set<String> distinct = ConcurrentHashMap.newKeySet();
    for (var future : asked) {
      distinct.add(future.get(60, TimeUnit.SECONDS));
    }
    assertThat(distinct).hasSize(200).allMatch(token -> token.startsWith("node-"));
    assertThat(turnedAway).as("requests beyond what the endpoint answers at once").hasValue(0);
    assertThat(mostAtOnce.get()).isLessThanOrEqualTo(SERVER_LIMIT);
  }

  @Test
  void aFetchThatCannotReachTheEndpointFailsEveryWaiterWithTheReasonAndTheNextCallTriesAgain()
      throws Exception {
    URI nowhere = endpoint();
    keycloak.stop(0);
    ClientCredentialsTokens tokens =
        new ClientCredentialsTokens(nowhere, "usa-nmcc", "s", java.time.Clock.systemUTC());

    var first = tokens.tokenAsync(NO_THREADS);
    var second = tokens.tokenAsync(NO_THREADS);

    for (var waiter : List.of(first, second)) {
      var failure =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.ExecutionException.class,
              () -> waiter.get(30, TimeUnit.SECONDS));
      assertThat(failure.getCause())
          .isInstanceOf(TokenSource.TokenException.class)
          .hasMessageContaining("cannot reach the token endpoint");
    }
    assertThat(
            org.junit.jupiter.api.Assertions.assertThrows(
                TokenSource.TokenException.class, tokens::token))
        .hasMessageContaining("cannot reach the token endpoint");
  }
}
