package org.alliedexchange.accesstoken;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.grpc.CallCredentials;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.alliedexchange.api.AlliedMetadata;

/**
 * A real JWKS on 127.0.0.1 and tokens signed with its key, shaped like the realm's: the gateway and
 * the exchange services validate them exactly as they validate Keycloak's. The JWKS can be taken
 * down (a Keycloak outage) and its key rotated, and it counts how often it is fetched.
 */
public final class TestTokens implements AutoCloseable {

  public static final String AUDIENCE = "allied-gateway";
  private volatile RSAKey key;
  private volatile byte[] jwks;
  private volatile boolean down;
  private final AtomicInteger fetches = new AtomicInteger();
  private final HttpServer server;
  public final URI issuer;

  public TestTokens() throws Exception {
    key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/realms/allied/protocol/openid-connect/certs",
        exchange -> {
          fetches.incrementAndGet();
          byte[] body =
              down ? "<html>Service Unavailable</html>".getBytes(StandardCharsets.UTF_8) : jwks;
          exchange
              .getResponseHeaders()
              .add("Content-Type", down ? "text/html" : "application/json");
          exchange.sendResponseHeaders(down ? 503 : 200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    issuer = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/realms/allied");
  }

  /** The realm's JWKS address. */
  public URI jwks() {
    return URI.create(issuer + "/protocol/openid-connect/certs");
  }

  /** How many times the JWKS has been fetched. */
  public int jwksFetches() {
    return fetches.get();
  }

  /** Takes the JWKS down (true) or back up, as a Keycloak outage would. */
  public void down(boolean down) {
    this.down = down;
  }

  /** Signs from now on with a new key, which the JWKS publishes beside the old one. */
  public void rotateKey() throws Exception {
    RSAKey previous = key;
    key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
    jwks =
        new JWKSet(List.of(key.toPublicJWK(), previous.toPublicJWK()))
            .toString()
            .getBytes(StandardCharsets.UTF_8);
  }

  public JWTClaimsSet.Builder claims(
      String system,
      String nation,
      String clearance,
      List<String> communities,
      List<String> roles) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(issuer.toString())
        .audience(List.of(AUDIENCE, "account"))
        .subject(UUID.randomUUID().toString())
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300)))
        // shaped as Keycloak issues a service account's token
        .claim("azp", system)
        .claim("client_id", system)
        .claim("preferred_username", "service-account-" + system)
        .claim("nation", nation)
        .claim("clearance", clearance)
        .claim("communities", communities)
        .claim("roles", roles);
  }

  /**
   * A person's token, shaped as Keycloak issues one to a person who logged in through {@code
   * client} (e.g. the console): {@code azp} names the client, {@code preferred_username} the
   * person.
   */
  public String personToken(
      String client,
      String username,
      String nation,
      String clearance,
      List<String> communities,
      List<String> roles) {
    return sign(
        claims(client, nation, clearance, communities, roles)
            .claim("client_id", null)
            .claim("preferred_username", username)
            .build());
  }

  public String sign(JWTClaimsSet claims) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256)
                  .keyID(key.getKeyID())
                  .type(JOSEObjectType.JWT)
                  .build(),
              claims);
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A validator of this realm's tokens whose key set lives at a port nothing listens on: the
   * realm's keys can never be fetched (Keycloak down or out of reach).
   */
  public TokenValidator validatorWithKeysOutOfReach(java.time.Duration clockSkew) throws Exception {
    try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
      // a port nothing listens on once the socket is closed
      return new TokenValidator(
          issuer,
          URI.create("http://127.0.0.1:" + closed.getLocalPort() + "/certs"),
          AUDIENCE,
          clockSkew);
    }
  }

  public String token(
      String system,
      String nation,
      String clearance,
      List<String> communities,
      List<String> roles) {
    return sign(claims(system, nation, clearance, communities, roles).build());
  }

  public String tweaked(Consumer<JWTClaimsSet.Builder> change) {
    JWTClaimsSet.Builder builder =
        claims("kor-jcs-publisher", "KOR", "TOP_SECRET", List.of(), List.of("exchange-read"));
    change.accept(builder);
    return sign(builder.build());
  }

  /** An unsigned token: {@code alg: none}. */
  public String unsigned() {
    return new PlainJWT(
            claims("kor-jcs-publisher", "KOR", "TOP_SECRET", List.of(), List.of("exchange-read"))
                .build())
        .serialize();
  }

  /** A token signed by a key the JWKS does not hold. */
  public String forged() throws Exception {
    RSAKey other = new RSAKeyGenerator(2048).keyID(key.getKeyID()).generate();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
            claims("kor-jcs-publisher", "KOR", "TOP_SECRET", List.of(), List.of("exchange-read"))
                .build());
    jwt.sign(new RSASSASigner(other));
    return jwt.serialize();
  }

  public static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo info, Executor executor, MetadataApplier applier) {
        applier.apply(AlliedMetadata.withBearer(token));
      }
    };
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
