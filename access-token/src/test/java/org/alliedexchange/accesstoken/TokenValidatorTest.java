package org.alliedexchange.accesstoken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.alliedexchange.policy.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A validated token is remembered, but only until it expires. */
class TokenValidatorTest {

  static TestTokens tokens;

  @BeforeAll
  static void start() throws Exception {
    tokens = new TestTokens();
  }

  @AfterAll
  static void stop() {
    tokens.close();
  }

  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    Instant now = Instant.now();

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void aRememberedTokenStillExpires() {
    MovableClock clock = new MovableClock();
    URI issuer = tokens.issuer;
    TokenValidator validator =
        new TokenValidator(
            issuer,
            URI.create(issuer + "/protocol/openid-connect/certs"),
            "allied-gateway",
            Duration.ZERO,
            clock);
    String token = tokens.tweaked(c -> c.expirationTime(Date.from(clock.now.plusSeconds(60))));

    Caller caller = validator.validate(token);
    assertThat(caller.nation()).isEqualTo("KOR");
    assertThat(caller.clearance()).isEqualTo(Level.TOP_SECRET);
    assertThat(validator.validate(token)).isEqualTo(caller);

    clock.now = clock.now.plusSeconds(61);
    assertThatThrownBy(() -> validator.validate(token))
        .isInstanceOf(TokenValidator.InvalidTokenException.class)
        .hasMessageContaining("expired");
  }

  @Test
  void aClockSkewAboveThirtySecondsIsRefused() {
    URI issuer = tokens.issuer;
    assertThatThrownBy(
            () -> new TokenValidator(issuer, issuer, "allied-gateway", Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 0 and 30s");
  }

  @Test
  void aPersonIsNamedByUsernameAndASystemByClientId() {
    TokenValidator validator = validator();

    Caller person =
        validator.validate(
            tokens.personToken(
                "allied-console", "jpn-auditor", "JPN", "SECRET", List.of(), List.of("auditor")));
    Caller system =
        validator.validate(
            tokens.token("kor-jcs-publisher", "KOR", "SECRET", List.of(), List.of()));

    // a person's token is issued to the console they logged in through: azp names no one
    assertThat(person.system()).isEqualTo("jpn-auditor");
    assertThat(system.system()).isEqualTo("kor-jcs-publisher");
  }

  @Test
  void aTokenThatNamesNoOneOrNamesTwoIsRefused() {
    TokenValidator validator = validator();
    String nobody =
        tokens.tweaked(c -> c.claim("client_id", null).claim("preferred_username", null));
    String twoNames = tokens.tweaked(c -> c.claim("client_id", "usa-dia-reader"));
    String serviceAccountWithoutClientId = tokens.tweaked(c -> c.claim("client_id", null));
    String controlInName =
        tokens.tweaked(c -> c.claim("client_id", null).claim("preferred_username", "jpn\u0000a"));

    for (String token : List.of(nobody, twoNames, serviceAccountWithoutClientId, controlInName)) {
      assertThatThrownBy(() -> validator.validate(token))
          .isInstanceOf(TokenValidator.InvalidTokenException.class);
    }
  }

  @Test
  void aTokenIssuedToAKeycloakBuiltInClientIsRefusedEvenWithTheGatewayAudience() {
    TokenValidator validator = validator();

    for (String client :
        List.of("admin-cli", "account-console", "security-admin-console", "account", "broker")) {
      String token =
          tokens.personToken(client, "kor-auditor", "KOR", "SECRET", List.of(), List.of("auditor"));
      assertThatThrownBy(() -> validator.validate(token))
          .as(client)
          .isInstanceOf(TokenValidator.InvalidTokenException.class)
          .hasMessage(
              "invalid token: it was issued to Keycloak's own client "
                  + client
                  + ", which no national system or person uses to call the federation");
    }
  }

  private static TokenValidator validator() {
    return new TokenValidator(
        tokens.issuer, tokens.jwks(), "allied-gateway", Duration.ofSeconds(30));
  }

  @Test
  void aKeycloakOutageDoesNotStopValidation() {
    TokenValidator validator = validator();
    assertThat(
            validator
                .validate(tokens.token("kor-jcs-publisher", "KOR", "SECRET", List.of(), List.of()))
                .nation())
        .isEqualTo("KOR");
    tokens.down(true);
    try {
      // a token never seen before, so its signature is checked against the cached keys
      Caller caller =
          validator.validate(tokens.token("jpn-mod-reader", "JPN", "SECRET", List.of(), List.of()));
      assertThat(caller.system()).isEqualTo("jpn-mod-reader");
    } finally {
      tokens.down(false);
    }
  }

  @Test
  void anUnknownKeyIdTriggersOneBoundedRefresh() throws Exception {
    TokenValidator validator = validator();
    validator.validate(tokens.token("kor-jcs-publisher", "KOR", "SECRET", List.of(), List.of()));
    int before = tokens.jwksFetches();

    tokens.rotateKey();
    Caller caller =
        validator.validate(tokens.token("usa-dia-reader", "USA", "SECRET", List.of(), List.of()));
    assertThat(caller.nation()).isEqualTo("USA");
    assertThat(tokens.jwksFetches() - before).as("the rotated key is fetched once").isEqualTo(1);

    // made-up key ids do not each cost a fetch: the refresh is rate-limited
    for (int i = 0; i < 20; i++) {
      String bogus = signedWithUnknownKid();
      assertThatThrownBy(() -> validator.validate(bogus))
          .isInstanceOf(TokenValidator.InvalidTokenException.class)
          .hasMessageStartingWith("invalid token:");
    }
    assertThat(tokens.jwksFetches() - before).isLessThanOrEqualTo(2);
  }

  private static String signedWithUnknownKid() throws Exception {
    RSAKey other = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(other.getKeyID()).build(),
            tokens.claims("kor-jcs-publisher", "KOR", "SECRET", List.of(), List.of()).build());
    jwt.sign(new RSASSASigner(other));
    return jwt.serialize();
  }

  @Test
  void everyRefusalSaysWhatIsWrong() throws Exception {
    TokenValidator validator = validator();
    assertThatThrownBy(() -> validator.validateHeader(null))
        .hasMessageContaining("no bearer token");
    assertThatThrownBy(() -> validator.validateHeader("Basic abc"))
        .hasMessageContaining("no bearer token");
    assertThatThrownBy(() -> validator.validate(tokens.unsigned()))
        .isInstanceOf(TokenValidator.InvalidTokenException.class);
    assertThatThrownBy(() -> validator.validate(tokens.forged()))
        .hasMessageContaining("invalid token");
    assertThatThrownBy(() -> validator.validate(tokens.tweaked(c -> c.expirationTime(null))))
        .hasMessageContaining("exp");
    assertThatThrownBy(() -> validator.validate(tokens.tweaked(c -> c.audience("account"))))
        .hasMessageContaining("audience");
    assertThatThrownBy(
            () ->
                validator.validate(
                    tokens.tweaked(c -> c.issuer("http://127.0.0.1:1/realms/other"))))
        .hasMessageContaining("iss");
    assertThatThrownBy(() -> validator.validate(tokens.tweaked(c -> c.claim("nation", null))))
        .hasMessageContaining("nation claim");
  }

  @Test
  void theRealmsKeysAreAvailableOnlyOnceTheyCouldBeFetched() throws Exception {
    TokenValidator unreachable =
        tokens.validatorWithKeysOutOfReach(java.time.Duration.ofSeconds(30));
    assertThat(unreachable.keysAvailable()).isFalse();
    TokenValidator reachable =
        new TokenValidator(
            tokens.issuer, tokens.jwks(), TestTokens.AUDIENCE, java.time.Duration.ofSeconds(30));
    assertThat(reachable.keysAvailable()).isTrue();
  }

  @Test
  void keysThatCannotBeFetchedFailEveryNewTokenAsKeysUnavailableNotAsInvalid() throws Exception {
    String token = tokens.token("kor-jcs-publisher", "KOR", "SECRET", List.of(), List.of());
    // each way the key set can fail to arrive, and what the refusal names as its cause
    java.util.Map<URI, String> unreachable = new java.util.LinkedHashMap<>();
    try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
      unreachable.put(
          URI.create("http://127.0.0.1:" + closed.getLocalPort()), "Connection refused");
    }
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    answer(server, "/500", 500, "{\"error\":\"boom\"}");
    answer(server, "/garbage", 200, "<html>not a key set</html>");
    server.start();
    // accepts connections (the kernel's backlog) but never answers: the fetch times out
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50)) {
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      unreachable.put(URI.create(base + "/500"), "HTTP response code: 500");
      unreachable.put(URI.create(base + "/garbage"), "parse");
      unreachable.put(URI.create("http://127.0.0.1:" + silent.getLocalPort()), "timed out");
      unreachable.forEach(
          (jwks, cause) -> {
            TokenValidator validator =
                new TokenValidator(
                    tokens.issuer, jwks, TestTokens.AUDIENCE, Duration.ofSeconds(30));
            assertThatThrownBy(() -> validator.validate(token))
                .as(cause)
                .isInstanceOf(TokenValidator.KeysUnavailableException.class)
                .hasMessageStartingWith("the realm's signing keys could not be fetched (")
                .hasMessageContaining(cause)
                .message()
                .doesNotContain("127.0.0.1")
                .doesNotContain(token)
                .doesNotContain(token.substring(0, token.indexOf('.')));
          });
      // calls soon after find the next fetch rate-limited, and still no keys held: not the token's
      // fault either
      TokenValidator refused =
          new TokenValidator(
              tokens.issuer,
              unreachable.keySet().iterator().next(),
              TestTokens.AUDIENCE,
              Duration.ofSeconds(30));
      List<String> messages = new java.util.ArrayList<>();
      for (int call = 0; call < 4; call++) {
        try {
          refused.validate(token);
        } catch (TokenValidator.KeysUnavailableException e) {
          messages.add(e.getMessage());
        }
      }
      assertThat(messages)
          .hasSize(4)
          .contains(
              "the realm's signing keys could not be fetched (a fetch failed moments ago; the"
                  + " next is tried at most 10 s after it)");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aKeySetThatIsDownNamesTheCauseAndATokenWithAWrongSignatureStaysInvalid() throws Exception {
    TokenValidator validator = validator();
    tokens.down(true);
    try {
      assertThatThrownBy(
              () ->
                  validator.validate(
                      tokens.token("kor-jcs-publisher", "KOR", "SECRET", List.of(), List.of())))
          .isInstanceOf(TokenValidator.KeysUnavailableException.class)
          .hasMessageContaining("503");
    } finally {
      tokens.down(false);
    }
    TokenValidator reachable = validator();
    assertThatThrownBy(() -> reachable.validate(tokens.forged()))
        .isInstanceOf(TokenValidator.InvalidTokenException.class)
        .hasMessageStartingWith("invalid token:");
  }

  @Test
  void aKeyTheRealmAddedDuringAnOutageIsUnavailableButAForgeryUnderAHeldKeyStaysInvalid()
      throws Exception {
    TokenValidator validator = validator();
    validator.validate(tokens.token("kor-jcs-publisher", "KOR", "SECRET", List.of(), List.of()));
    tokens.down(true);
    try {
      assertThatThrownBy(() -> validator.validate(tokens.forged()))
          .as("signed by another key under a key id held: the token's fault")
          .isInstanceOf(TokenValidator.InvalidTokenException.class);
      // Keycloak rotated while the validator cannot reach it: the new key id is unknown here
      tokens.rotateKey();
      String underTheNewKey = tokens.token("usa-dia-reader", "USA", "SECRET", List.of(), List.of());
      assertThatThrownBy(() -> validator.validate(underTheNewKey))
          .isInstanceOf(TokenValidator.KeysUnavailableException.class)
          .hasMessageStartingWith(
              "the token names a signing key not held here, and the realm's signing keys could not"
                  + " be fetched to look for it (")
          .hasMessageContaining("503");
    } finally {
      tokens.down(false);
    }
  }

  private static void answer(
      com.sun.net.httpserver.HttpServer server, String path, int status, String body) {
    server.createContext(
        path,
        exchange -> {
          byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, bytes.length);
          try (java.io.OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
  }
}
