package org.alliedexchange.gateway.auditors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.ResponseCookie;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;

/** The console's pending login in a sealed cookie: what opens it and what does not. */
class LoginRequestCookieTest {

  static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

  static OAuth2AuthorizationRequest request(String state) {
    return OAuth2AuthorizationRequest.authorizationCode()
        .authorizationUri("http://127.0.0.1:8180/realms/allied/protocol/openid-connect/auth")
        .clientId("allied-console")
        .redirectUri("http://127.0.0.1:8443/login/oauth2/code/keycloak")
        .scope("openid")
        .state(state)
        .additionalParameters(Map.of("code_challenge", "abc", "code_challenge_method", "S256"))
        .attributes(
            Map.of("registration_id", "keycloak", "code_verifier", "verifier", "nonce", "n0nce"))
        .build();
  }

  static MockServerWebExchange callback(String state, String cookie) {
    return MockServerWebExchange.from(
        MockServerHttpRequest.get("/login/oauth2/code/keycloak?code=c&state=" + state)
            .cookie(new org.springframework.http.HttpCookie(LoginRequestCookie.NAME, cookie)));
  }

  static String saved(LoginRequestCookie cookies, OAuth2AuthorizationRequest request) {
    MockServerWebExchange start =
        MockServerWebExchange.from(MockServerHttpRequest.get("/oauth2/authorization/keycloak"));
    cookies.saveAuthorizationRequest(request, start).block();
    ResponseCookie cookie = start.getResponse().getCookies().getFirst(LoginRequestCookie.NAME);
    assertThat(cookie.isHttpOnly()).isTrue();
    assertThat(cookie.getSameSite()).isEqualTo("Lax");
    assertThat(cookie.getPath()).isEqualTo("/login/oauth2/code/");
    assertThat(cookie.isSecure()).as("plain HTTP").isFalse();
    return cookie.getValue();
  }

  @Test
  void theCallbackOpensItsOwnCookieOnceAndClearsIt() {
    LoginRequestCookie cookies = new LoginRequestCookie(Clock.fixed(NOW, ZoneOffset.UTC));
    String value = saved(cookies, request("s1"));

    MockServerWebExchange callback = callback("s1", value);
    OAuth2AuthorizationRequest opened = cookies.removeAuthorizationRequest(callback).block();

    assertThat(opened).isNotNull();
    assertThat(opened.getState()).isEqualTo("s1");
    assertThat(opened.getAttributes()).containsEntry("code_verifier", "verifier");
    assertThat(opened.getAttributes()).containsEntry("nonce", "n0nce");
    assertThat(opened.getScopes()).containsExactly("openid");
    assertThat(opened.getRedirectUri())
        .isEqualTo("http://127.0.0.1:8443/login/oauth2/code/keycloak");
    assertThat(callback.getResponse().getCookies().getFirst(LoginRequestCookie.NAME).getMaxAge())
        .isEqualTo(Duration.ZERO);
  }

  @Test
  void anAlteredForgedStaleOrOtherStatesCookieDoesNotOpen() {
    LoginRequestCookie cookies = new LoginRequestCookie(Clock.fixed(NOW, ZoneOffset.UTC));
    String value = saved(cookies, request("s1"));
    char last = value.charAt(value.length() - 1);
    String altered = value.substring(0, value.length() - 1) + (last == 'A' ? 'B' : 'A');
    String otherGateways =
        saved(new LoginRequestCookie(Clock.fixed(NOW, ZoneOffset.UTC)), request("s1"));
    javax.crypto.SecretKey key = new javax.crypto.spec.SecretKeySpec(new byte[32], "AES");
    String sealedNow =
        new LoginRequestCookie(key, Clock.fixed(NOW, ZoneOffset.UTC)).seal(request("s1"));
    LoginRequestCookie later =
        new LoginRequestCookie(
            key, Clock.fixed(NOW.plus(LoginRequestCookie.LIFETIME).plusSeconds(1), ZoneOffset.UTC));
    LoginRequestCookie inTime =
        new LoginRequestCookie(
            key,
            Clock.fixed(NOW.plus(LoginRequestCookie.LIFETIME).minusSeconds(1), ZoneOffset.UTC));

    assertThat(cookies.loadAuthorizationRequest(callback("s1", altered)).block()).isNull();
    assertThat(cookies.loadAuthorizationRequest(callback("s1", otherGateways)).block()).isNull();
    assertThat(cookies.loadAuthorizationRequest(callback("s2", value)).block()).isNull();
    assertThat(cookies.loadAuthorizationRequest(callback("s1", "not base64 !")).block()).isNull();
    assertThat(inTime.open(sealedNow)).isNotNull();
    assertThat(later.open(sealedNow)).as("past its expiry").isNull();
    assertThat(cookies.loadAuthorizationRequest(callback("s1", value)).block()).isNotNull();
  }

  @Test
  void replicasSharingAKeyFileOpenEachOthersCookies(@TempDir Path dir) throws IOException {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path keyFile = dir.resolve("console-login-key");
    // as a Kubernetes Secret mounts it: base64 text, perhaps with a trailing newline
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key) + "\n");
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    LoginRequestCookie replicaA = LoginRequestCookie.withKeyFile(keyFile, SETTING, clock);
    LoginRequestCookie replicaB = LoginRequestCookie.withKeyFile(keyFile, SETTING, clock);

    String startedAtA = saved(replicaA, request("s1"));

    OAuth2AuthorizationRequest opened =
        replicaB.removeAuthorizationRequest(callback("s1", startedAtA)).block();
    assertThat(opened).as("the callback landed on the other replica").isNotNull();
    assertThat(opened.getAttributes()).containsEntry("code_verifier", "verifier");
    assertThat(new LoginRequestCookie(clock).loadAuthorizationRequest(callback("s1", startedAtA)))
        .as("a gateway with a key of its own")
        .satisfies(mono -> assertThat(mono.block()).isNull());
  }

  @Test
  void aMissingOrWrongKeyFileStopsTheStartNamingTheSetting(@TempDir Path dir) throws IOException {
    Path shortKey = dir.resolve("short");
    Files.writeString(shortKey, Base64.getEncoder().encodeToString(new byte[16]));
    Path notBase64 = dir.resolve("text");
    Files.writeString(notBase64, "not a key!");
    Clock clock = Clock.systemUTC();

    assertThatThrownBy(() -> LoginRequestCookie.withKeyFile(dir.resolve("absent"), SETTING, clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(SETTING + ": cannot read ");
    assertThatThrownBy(() -> LoginRequestCookie.withKeyFile(shortKey, SETTING, clock))
        .hasMessageStartingWith(SETTING + ":")
        .hasMessageContaining("holds 16 bytes; an AES-256 key is 32");
    assertThatThrownBy(() -> LoginRequestCookie.withKeyFile(notBase64, SETTING, clock))
        .hasMessageStartingWith(SETTING + ":")
        .hasMessageContaining("is not base64");
  }

  private static final String SETTING = "allied.gateway.console.login-key-file";
}
