package org.alliedexchange.gateway.auditors;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;
import org.springframework.security.oauth2.client.web.server.ServerAuthorizationRequestRepository;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The console's pending login (state, PKCE verifier, nonce) kept in the browser, not in a session:
 * an unauthenticated request creates nothing on the gateway, so no number of them can fill its
 * session store. The cookie is sealed with AES-GCM under a key made at start (a forged or altered
 * one does not open), names its own expiry, is sent only to the login's callback path, HttpOnly,
 * SameSite=Lax, and Secure when the request came over TLS. The key is made at start, so a gateway
 * restarted mid-login refuses the callback and the auditor starts again; or it is read from a file
 * ({@link #withKeyFile}) that every replica shares, so the callback may land on any of them.
 */
public final class LoginRequestCookie
    implements ServerAuthorizationRequestRepository<OAuth2AuthorizationRequest> {

  public static final String NAME = "allied-console-login";

  /** How long a login may take at Keycloak's form. */
  public static final Duration LIFETIME = Duration.ofMinutes(10);

  static final String PATH = "/login/oauth2/code/";
  private static final Logger LOG = LoggerFactory.getLogger(LoginRequestCookie.class);
  private static final byte VERSION = 1;
  private static final int IV_BYTES = 12;
  private static final int KEY_BYTES = 32;
  private static final byte[] ASSOCIATED = NAME.getBytes(StandardCharsets.UTF_8);

  private final SecretKey key;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public LoginRequestCookie(Clock clock) {
    this(newKey(), clock);
  }

  LoginRequestCookie(SecretKey key, Clock clock) {
    this.key = key;
    this.clock = clock;
  }

  /**
   * Cookies sealed under the key in {@code keyFile}: 32 random bytes, base64 (as {@code openssl
   * rand -base64 32} writes them), shared by every replica.
   *
   * @param setting the configuration key naming the file, for the messages
   * @throws IllegalArgumentException naming the setting when the file is missing or not such a key
   */
  public static LoginRequestCookie withKeyFile(Path keyFile, String setting, Clock clock) {
    String text;
    try {
      text = Files.readString(keyFile, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          setting + ": cannot read " + keyFile + " (" + e.getMessage() + ")", e);
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          setting + ": " + keyFile + " is not base64 (expected 32 random bytes, base64)", e);
    }
    if (bytes.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          setting
              + ": "
              + keyFile
              + " holds "
              + bytes.length
              + " bytes; an AES-256 key is 32 (openssl rand -base64 32)");
    }
    return new LoginRequestCookie(new SecretKeySpec(bytes, "AES"), clock);
  }

  private static SecretKey newKey() {
    try {
      KeyGenerator generator = KeyGenerator.getInstance("AES");
      generator.init(256);
      return generator.generateKey();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no AES-256 in this JDK: " + e.getMessage(), e);
    }
  }

  @Override
  public Mono<OAuth2AuthorizationRequest> loadAuthorizationRequest(ServerWebExchange exchange) {
    return Mono.fromSupplier(() -> read(exchange));
  }

  @Override
  public Mono<Void> saveAuthorizationRequest(
      OAuth2AuthorizationRequest request, ServerWebExchange exchange) {
    return Mono.fromRunnable(
        () -> {
          if (request == null) {
            exchange.getResponse().addCookie(cookie(exchange, "", Duration.ZERO));
          } else {
            exchange.getResponse().addCookie(cookie(exchange, seal(request), LIFETIME));
          }
        });
  }

  @Override
  public Mono<OAuth2AuthorizationRequest> removeAuthorizationRequest(ServerWebExchange exchange) {
    return Mono.fromSupplier(
        () -> {
          OAuth2AuthorizationRequest request = read(exchange);
          // used once: the callback clears it, whether it opened or not
          exchange.getResponse().addCookie(cookie(exchange, "", Duration.ZERO));
          return request;
        });
  }

  /**
   * The pending login the callback's cookie holds, or null when absent, forged, stale or not its
   * state.
   */
  private OAuth2AuthorizationRequest read(ServerWebExchange exchange) {
    String state = exchange.getRequest().getQueryParams().getFirst(OAuth2ParameterNames.STATE);
    HttpCookie cookie = exchange.getRequest().getCookies().getFirst(NAME);
    if (state == null || cookie == null || cookie.getValue().isEmpty()) {
      return null;
    }
    OAuth2AuthorizationRequest request = open(cookie.getValue());
    if (request == null || !state.equals(request.getState())) {
      return null;
    }
    return request;
  }

  private ResponseCookie cookie(ServerWebExchange exchange, String value, Duration maxAge) {
    return ResponseCookie.from(NAME, value)
        .path(PATH)
        .httpOnly(true)
        .secure(exchange.getRequest().getSslInfo() != null)
        .sameSite("Lax")
        .maxAge(maxAge)
        .build();
  }

  String seal(OAuth2AuthorizationRequest request) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeLong(clock.millis() + LIFETIME.toMillis());
      out.writeUTF(request.getAuthorizationUri());
      out.writeUTF(request.getClientId());
      out.writeUTF(request.getRedirectUri());
      out.writeUTF(request.getState());
      out.writeUTF(request.getAuthorizationRequestUri());
      out.writeInt(request.getScopes().size());
      for (String scope : request.getScopes()) {
        out.writeUTF(scope);
      }
      writeStrings(out, request.getAdditionalParameters());
      writeStrings(out, request.getAttributes());
      byte[] iv = new byte[IV_BYTES];
      random.nextBytes(iv);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
      cipher.updateAAD(ASSOCIATED);
      byte[] sealed = cipher.doFinal(bytes.toByteArray());
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(
              ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot seal the console's login request: " + e.getMessage(), e);
    }
  }

  /**
   * The request, or null when the value was not sealed by this gateway since it started, or has
   * expired.
   */
  OAuth2AuthorizationRequest open(String value) {
    try {
      byte[] sealed = Base64.getUrlDecoder().decode(value);
      if (sealed.length <= IV_BYTES) {
        return null;
      }
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 0, IV_BYTES));
      cipher.updateAAD(ASSOCIATED);
      byte[] plain = cipher.doFinal(sealed, IV_BYTES, sealed.length - IV_BYTES);
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(plain));
      if (in.readByte() != VERSION || in.readLong() < clock.millis()) {
        return null;
      }
      OAuth2AuthorizationRequest.Builder builder =
          OAuth2AuthorizationRequest.authorizationCode()
              .authorizationUri(in.readUTF())
              .clientId(in.readUTF())
              .redirectUri(in.readUTF())
              .state(in.readUTF());
      String requestUri = in.readUTF();
      int scopes = in.readInt();
      if (scopes < 0 || scopes > 64) {
        return null;
      }
      Set<String> scopeSet = new LinkedHashSet<>();
      for (int i = 0; i < scopes; i++) {
        scopeSet.add(in.readUTF());
      }
      return builder
          .scopes(scopeSet)
          .additionalParameters(readStrings(in))
          .attributes(readStrings(in))
          .authorizationRequestUri(requestUri)
          .build();
    } catch (IllegalArgumentException | IOException | GeneralSecurityException e) {
      LOG.debug("a console login cookie did not open: {}", e.toString());
      return null;
    }
  }

  private static void writeStrings(DataOutputStream out, Map<String, Object> values)
      throws IOException {
    out.writeInt(values.size());
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      if (!(entry.getValue() instanceof String value)) {
        throw new IOException(entry.getKey() + " is not a string");
      }
      out.writeUTF(entry.getKey());
      out.writeUTF(value);
    }
  }

  private static Map<String, Object> readStrings(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0 || count > 64) {
      throw new IOException("implausible count " + count);
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      values.put(in.readUTF(), in.readUTF());
    }
    return values;
  }
}
