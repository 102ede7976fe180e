package org.alliedexchange.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.auditstream.IdentityChangeNotices;
import org.alliedexchange.gateway.guard.GuardedCall;
import org.alliedexchange.gateway.ratelimit.CallLimits;
import org.alliedexchange.gateway.ratelimit.RateLimiter;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The access filter alone, over a local JWKS and a rate limiter whose shared count the test
 * scripts: the status each refusal ends the call with.
 */
class CallAccessFilterTest {

  private static final String GET = "/" + GuardedMethods.EXCHANGE_SERVICE + "/Get";
  private static TestTokens tokens;
  private static TokenValidator validator;

  private final AtomicReference<GuardedCall> admitted = new AtomicReference<>();
  private final WebFilterChain backend =
      exchange -> {
        admitted.set(exchange.getAttribute(GuardedCall.ATTRIBUTE));
        return Mono.empty();
      };

  @BeforeAll
  static void realm() throws Exception {
    tokens = new TestTokens();
    validator =
        new TokenValidator(
            tokens.issuer, tokens.jwks(), TestTokens.AUDIENCE, Duration.ofSeconds(30));
  }

  @AfterAll
  static void close() {
    tokens.close();
  }

  @Test
  void aSystemOverItsLimitIsRefusedResourceExhausted() {
    AtomicInteger granted = new AtomicInteger();
    try (RateLimiter limiter =
        new RateLimiter(
            (window, limit, want) -> granted.getAndIncrement() == 0 ? 1 : 0,
            system -> 1,
            Clock.systemUTC())) {
      CallAccessFilter filter = filter(limiter);
      String token = reader("usa-limited");

      MockServerWebExchange first = call(GET, "KOR", token);
      filter.filter(first, backend).block(Duration.ofSeconds(5));
      assertThat(admitted.get()).isNotNull();
      assertThat(first.getResponse().getHeaders().getFirst("grpc-status")).isNull();

      admitted.set(null);
      MockServerWebExchange second = call(GET, "KOR", token);
      filter.filter(second, backend).block(Duration.ofSeconds(5));
      assertThat(admitted.get()).isNull();
      assertThat(second.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("8");
      assertThat(second.getResponse().getHeaders().getFirst("grpc-message"))
          .isEqualTo(
              "usa-limited exceeded its limit of 1 calls per second; retry in the next second");
    }
  }

  @Test
  void aRateLimiterWhoseRedisDoesNotAnswerRefusesTheCallUnavailable() {
    RateLimiter.SharedCount down =
        (window, limit, want) -> {
          throw new JedisConnectionException("Failed to connect to 127.0.0.1:6379");
        };
    try (RateLimiter limiter = new RateLimiter(down, system -> 10, Clock.systemUTC())) {
      MockServerWebExchange exchange = call(GET, "KOR", reader("usa-reader"));
      filter(limiter).filter(exchange, backend).block(Duration.ofSeconds(5));

      assertThat(admitted.get()).isNull();
      assertThat(exchange.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("14");
      assertThat(exchange.getResponse().getHeaders().getFirst("grpc-message"))
          .isEqualTo(
              "the rate limiter's Redis did not answer, so the call cannot be counted: Failed to connect to 127.0.0.1:6379");
    }
  }

  @Test
  void aTokenIssuedBeforeItsSystemsIdentityChangedIsRefusedUnauthenticatedAndAFreshOneAdmitted() {
    try (RateLimiter limiter =
        new RateLimiter((window, limit, want) -> want, system -> 10, Clock.systemUTC())) {
      IdentityRevocations revocations = new IdentityRevocations();
      revocations.followed();
      CallAccessFilter filter = filter(limiter, revocations);
      String before = reader("jpn-mod-reader");
      // remembered by the validator before the change, as an open stream's token would be
      filter.filter(call(GET, "KOR", before), backend).block(Duration.ofSeconds(5));
      assertThat(admitted.getAndSet(null)).isNotNull();

      revocations.apply(
          new IdentityChangeNotices.Notice(
              "1-0", "jpn-mod-reader", "JPN", System.currentTimeMillis()));
      MockServerWebExchange stale = call(GET, "KOR", before);
      filter.filter(stale, backend).block(Duration.ofSeconds(5));
      String fresh =
          tokens.sign(
              tokens
                  .claims(
                      "jpn-mod-reader",
                      "USA",
                      "SECRET",
                      List.of("MISSILE_WARNING"),
                      List.of(Roles.EXCHANGE_READ))
                  .issueTime(java.util.Date.from(java.time.Instant.now().plusSeconds(1)))
                  .build());
      MockServerWebExchange renewed = call(GET, "KOR", fresh);
      filter.filter(renewed, backend).block(Duration.ofSeconds(5));

      assertThat(stale.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("16");
      assertThat(stale.getResponse().getHeaders().getFirst("grpc-message"))
          .startsWith("the token of jpn-mod-reader was issued before a change to its identity");
      assertThat(renewed.getResponse().getHeaders().getFirst("grpc-status")).isNull();
      assertThat(admitted.get().caller().system()).isEqualTo("jpn-mod-reader");
    }
  }

  @Test
  void whileIdentityChangesCannotBeReadEveryCallIsRefusedUnavailable() {
    try (RateLimiter limiter =
        new RateLimiter((window, limit, want) -> want, system -> 10, Clock.systemUTC())) {
      // never read: a gateway whose Redis has not answered since it started
      MockServerWebExchange exchange = call(GET, "KOR", reader("usa-reader"));
      filter(limiter, new IdentityRevocations())
          .filter(exchange, backend)
          .block(Duration.ofSeconds(5));

      assertThat(admitted.get()).isNull();
      assertThat(exchange.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("14");
      assertThat(exchange.getResponse().getHeaders().getFirst("grpc-message"))
          .startsWith("identity changes could not be read from Redis for ");
    }
  }

  @Test
  void aCallWithinItsLimitIsAdmittedAsTheCallerForTheNationItNames() {
    try (RateLimiter limiter =
        new RateLimiter((window, limit, want) -> want, system -> 10, Clock.systemUTC())) {
      filter(limiter)
          .filter(call(GET, "KOR", reader("usa-reader")), backend)
          .block(Duration.ofSeconds(5));

      assertThat(admitted.get()).isNotNull();
      assertThat(admitted.get().caller().system()).isEqualTo("usa-reader");
      assertThat(admitted.get().nation()).isEqualTo("KOR");
      assertThat(admitted.get().method().displayName()).isEqualTo("ExchangeService/Get");
    }
  }

  @Test
  void callsTheGatewayCannotPlaceAreRefusedBeforeTheTokenIsRead() {
    try (RateLimiter limiter =
        new RateLimiter((window, limit, want) -> want, system -> 10, Clock.systemUTC())) {
      CallAccessFilter filter = filter(limiter);
      MockServerWebExchange unknownMethod =
          call("/" + GuardedMethods.EXCHANGE_SERVICE + "/Delete", "KOR", "not a token");
      MockServerWebExchange noNation = call(GET, null, "not a token");
      MockServerWebExchange unknownNation = call(GET, "FRA", "not a token");
      MockServerWebExchange badToken = call(GET, "KOR", "not a token");
      // KOR has an exchange service behind this gateway but no hotline node
      MockServerWebExchange noHotlineNode =
          call("/" + GuardedMethods.HOTLINE_SERVICE + "/Send", "KOR", "not a token");
      for (MockServerWebExchange exchange :
          List.of(unknownMethod, noNation, unknownNation, badToken, noHotlineNode)) {
        filter.filter(exchange, backend).block(Duration.ofSeconds(5));
      }

      assertThat(admitted.get()).isNull();
      assertThat(unknownMethod.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("12");
      assertThat(noNation.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("3");
      assertThat(unknownNation.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("5");
      assertThat(unknownNation.getResponse().getHeaders().getFirst("grpc-message"))
          .isEqualTo("no exchange service for nation FRA; this gateway serves [KOR]");
      assertThat(badToken.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("16");
      assertThat(noHotlineNode.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("5");
      assertThat(noHotlineNode.getResponse().getHeaders().getFirst("grpc-message"))
          .isEqualTo("no hotline node for nation KOR; this gateway serves the hotline nodes of []");
    }
  }

  @Test
  void
      aFineTokenThatCannotBeCheckedBecauseTheRealmsKeysCannotBeFetchedIsRefusedUnavailableAndCounted()
          throws Exception {
    TokenValidator keysOutOfReach = tokens.validatorWithKeysOutOfReach(Duration.ofSeconds(30));
    try (RateLimiter limiter =
        new RateLimiter((window, limit, want) -> want, system -> 10, Clock.systemUTC())) {
      IdentityRevocations revocations = new IdentityRevocations();
      revocations.followed();
      CallAccessFilter filter =
          new CallAccessFilter(
              GuardedMethods.fromApi(),
              Set.of("KOR"),
              false,
              keysOutOfReach,
              limiter,
              new CallLimits(16, 1 << 20),
              new CallDeadlines(Duration.ofSeconds(30), Duration.ofMinutes(5)),
              revocations,
              OpenTelemetry.noop());
      io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
          new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
      org.alliedexchange.gateway.metrics.CallMeters meters =
          new org.alliedexchange.gateway.metrics.CallMeters(registry, GuardedMethods.fromApi());
      String token = reader("usa-reader");

      MockServerWebExchange exchange = call(GET, "KOR", token);
      meters
          .filter(exchange, counted -> filter.filter(counted, backend))
          .block(Duration.ofSeconds(5));

      assertThat(admitted.get()).as("fails closed").isNull();
      assertThat(exchange.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("14");
      assertThat(exchange.getResponse().getHeaders().getFirst("grpc-message"))
          .isEqualTo(
              "the gateway cannot check tokens now: the realm's signing keys could not be fetched"
                  + " (Couldn't retrieve JWK set from URL: Connection refused); retry later, the"
                  + " token itself was not refused");
      // counted with the other refusals at the door (once the call's end has run, which may be
      // just after block() returns)
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  registry
                          .get(org.alliedexchange.gateway.metrics.CallMeters.CALLS)
                          .tag("method", GuardedMethods.EXCHANGE_SERVICE + "/Get")
                          .tag("status", "UNAVAILABLE")
                          .counter()
                          .count()
                      == 1);

      // with the keys at hand, a token signed by another key is the caller's fault
      MockServerWebExchange forged = call(GET, "KOR", tokens.forged());
      filter(limiter).filter(forged, backend).block(Duration.ofSeconds(5));
      assertThat(forged.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("16");
    }
  }

  private static CallAccessFilter filter(RateLimiter limiter) {
    IdentityRevocations revocations = new IdentityRevocations();
    revocations.followed();
    return filter(limiter, revocations);
  }

  private static CallAccessFilter filter(RateLimiter limiter, IdentityRevocations revocations) {
    return filter(limiter, revocations, new CallLimits(16, 1 << 20), Duration.ofSeconds(30));
  }

  private static CallAccessFilter filter(
      RateLimiter limiter,
      IdentityRevocations revocations,
      CallLimits limits,
      Duration defaultDeadline) {
    return new CallAccessFilter(
        GuardedMethods.fromApi(),
        Set.of("KOR"),
        false,
        validator,
        limiter,
        limits,
        new CallDeadlines(defaultDeadline, Duration.ofMinutes(5)),
        revocations,
        OpenTelemetry.noop());
  }

  private static byte[] bytes(int count) {
    return new byte[count];
  }

  private static DataBuffer buffer(int count) {
    return DefaultDataBufferFactory.sharedInstance.wrap(bytes(count));
  }

  /** A backend that reads the whole request before it answers, as the guard does a publish's. */
  private static final WebFilterChain READS_REQUEST =
      exchange ->
          DataBufferUtils.join(exchange.getRequest().getBody())
              .doOnNext(DataBufferUtils::release)
              .then();

  @Test
  void requestBytesHeldUnreadBeyondTheSystemsLimitEndTheCallResourceExhaustedAndAreFreedOnceRead() {
    try (RateLimiter limiter =
        new RateLimiter((window, limit, want) -> want, system -> 100, Clock.systemUTC())) {
      IdentityRevocations revocations = new IdentityRevocations();
      revocations.followed();
      CallLimits limits = new CallLimits(16, 2048);
      CallAccessFilter filter = filter(limiter, revocations, limits, Duration.ofSeconds(30));
      String token = reader("usa-slow");
      // a body that arrives in part and then stalls, as from a slow or hostile sender
      Sinks.Many<DataBuffer> slowBody = Sinks.many().unicast().onBackpressureBuffer();
      MockServerWebExchange slow =
          MockServerWebExchange.from(request(GET, token).body(slowBody.asFlux()));
      Mono<Void> slowCall = filter.filter(slow, READS_REQUEST).cache();
      slowCall.subscribe();
      slowBody.tryEmitNext(buffer(1500));
      // admitted once its token is validated, off the calling thread
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> limits.bufferedBytes("usa-slow") == 1500);

      MockServerWebExchange second =
          MockServerWebExchange.from(request(GET, token).body(Flux.just(buffer(1000))));
      filter.filter(second, READS_REQUEST).block(Duration.ofSeconds(5));
      assertThat(second.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("8");
      assertThat(second.getResponse().getHeaders().getFirst("grpc-message"))
          .isEqualTo(
              "usa-slow has 2500 bytes of requests buffered at the gateway, over the limit of 2048"
                  + " (allied.gateway.limits.max-buffered-request-bytes-per-system); send fewer"
                  + " requests at once");
      MockServerWebExchange otherSystem =
          MockServerWebExchange.from(
              request(GET, reader("usa-other")).body(Flux.just(buffer(1000))));
      filter.filter(otherSystem, READS_REQUEST).block(Duration.ofSeconds(5));
      assertThat(otherSystem.getResponse().getHeaders().getFirst("grpc-status")).isNull();

      slowBody.tryEmitComplete();
      slowCall.block(Duration.ofSeconds(5));
      assertThat(limits.bufferedBytes("usa-slow")).isZero();
      MockServerWebExchange third =
          MockServerWebExchange.from(request(GET, token).body(Flux.just(buffer(1000))));
      filter.filter(third, READS_REQUEST).block(Duration.ofSeconds(5));
      assertThat(third.getResponse().getHeaders().getFirst("grpc-status")).isNull();
    }
  }

  @Test
  void aUnaryCallWhoseBackendNeverAnswersEndsDeadlineExceededAtTheDefaultDeadline() {
    try (RateLimiter limiter =
        new RateLimiter((window, limit, want) -> want, system -> 100, Clock.systemUTC())) {
      IdentityRevocations revocations = new IdentityRevocations();
      revocations.followed();
      CallAccessFilter filter =
          filter(limiter, revocations, new CallLimits(16, 1 << 20), Duration.ofMillis(300));
      AtomicReference<String> sentDeadline = new AtomicReference<>();
      WebFilterChain hangs =
          exchange -> {
            // the deadline the backend is sent (BackendHeaders puts it in its request)
            GuardedCall call = exchange.getAttribute(GuardedCall.ATTRIBUTE);
            sentDeadline.set(call.forBackend().get("grpc-timeout"));
            admitted.set(call);
            return Mono.never();
          };

      MockServerWebExchange noDeadline = call(GET, "KOR", reader("usa-reader"));
      long started = System.nanoTime();
      filter.filter(noDeadline, hangs).block(Duration.ofSeconds(5));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
      assertThat(noDeadline.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("4");
      assertThat(noDeadline.getResponse().getHeaders().getFirst("grpc-message"))
          .isEqualTo(
              "the exchange service of KOR did not answer within the call's deadline of 300 ms"
                  + " (the caller's grpc-timeout, at most allied.gateway.limits.default-deadline)");
      // the backend is told a little more, so that the gateway is the one to end the call
      assertThat(sentDeadline.get()).isEqualTo("500m");
      assertThat(admitted.get().endCode()).isEqualTo(io.grpc.Status.Code.DEADLINE_EXCEEDED);

      MockServerWebExchange shorter =
          MockServerWebExchange.from(
              request(GET, reader("usa-reader")).header("grpc-timeout", "100000u"));
      filter.filter(shorter, hangs).block(Duration.ofSeconds(5));
      assertThat(shorter.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("4");
      assertThat(sentDeadline.get()).isEqualTo("300m");

      MockServerWebExchange malformed =
          MockServerWebExchange.from(
              request(GET, reader("usa-reader")).header("grpc-timeout", "soon"));
      filter.filter(malformed, hangs).block(Duration.ofSeconds(5));
      assertThat(malformed.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("3");
    }
  }

  private static MockServerHttpRequest.BodyBuilder request(String path, String token) {
    return MockServerHttpRequest.post(path)
        .header("content-type", "application/grpc")
        .header("authorization", "Bearer " + token)
        .header(CallAccessFilter.NATION_HEADER, "KOR");
  }

  private static String reader(String system) {
    return tokens.token(
        system, "USA", "SECRET", List.of("MISSILE_WARNING"), List.of(Roles.EXCHANGE_READ));
  }

  private static MockServerWebExchange call(String path, String nation, String token) {
    MockServerHttpRequest.BaseBuilder<?> request =
        MockServerHttpRequest.post(path)
            .header("content-type", "application/grpc")
            .header("authorization", "Bearer " + token);
    if (nation != null) {
      request.header(CallAccessFilter.NATION_HEADER, nation);
    }
    return MockServerWebExchange.from(request);
  }
}
