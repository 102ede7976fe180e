package org.alliedexchange.accesstoken;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.alliedexchange.api.AlliedMetadata;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * Validates a Keycloak access token in full: signature by a key of the realm's JWKS, algorithm
 * RS256 only (so {@code alg: none} and HMAC tricks fail), issuer, audience, and an expiry that must
 * be present and not past (with at most 30 s of clock skew).
 *
 * <p>The realm's keys are cached for {@link #KEYS_TTL} and kept through a Keycloak outage for
 * {@link #OUTAGE_TOLERANCE}, so validation does not depend on Keycloak being up. A token naming a
 * key id the cache does not hold triggers a refresh, at most one per {@link #REFRESH_INTERVAL}: a
 * flood of tokens with made-up key ids cannot turn the validator into a load generator against
 * Keycloak.
 *
 * <p>A token that cannot be checked because the keys could not be fetched (none held yet, or the
 * token names a key not held while the latest fetch failed) throws {@link
 * KeysUnavailableException}, not {@link InvalidTokenException}: the caller should retry, not
 * distrust its credentials. The difference is told by the key source's exceptions, never by their
 * messages.
 */
public final class TokenValidator {

  public static final Duration MAX_SKEW = Duration.ofSeconds(30);
  static final Duration KEYS_TTL = Duration.ofMinutes(10);
  static final Duration OUTAGE_TOLERANCE = Duration.ofHours(12);
  static final Duration REFRESH_INTERVAL = Duration.ofSeconds(10);
  private static final int JWKS_TIMEOUT_MILLIS = 2_000;
  // how long a call waits for the keys another call is fetching: longer than that fetch may take
  // (connect and read timeouts, tried twice), so a slow Keycloak delays the calls that arrive
  // meanwhile rather than failing them while the fetch they wait for would still succeed
  private static final long KEYS_WAIT_MILLIS = 4L * JWKS_TIMEOUT_MILLIS + 1_000;
  private static final int CACHE_SIZE = 10_000;
  private final NimbusJwtDecoder decoder;
  private final JWKSource<SecurityContext> keys;
  private final WatchedFetches fetches;
  private final Clock clock;
  // a token that validated once names the same caller until it expires: the signature check is not
  // redone per call
  private final Map<String, Validated> validated =
      Collections.synchronizedMap(
          new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Validated> eldest) {
              return size() > CACHE_SIZE;
            }
          });

  /**
   * A token that validated: the caller it names, when it was issued ({@code iat}; the epoch when it
   * carries none) and when it expires.
   */
  public record Validated(Caller caller, Instant issuedAt, Instant expiresAt) {}

  public TokenValidator(URI issuer, URI jwks, String audience, Duration clockSkew) {
    this(issuer, jwks, audience, clockSkew, Clock.systemUTC());
  }

  TokenValidator(URI issuer, URI jwks, String audience, Duration clockSkew, Clock clock) {
    this.clock = clock;
    if (clockSkew.compareTo(MAX_SKEW) > 0 || clockSkew.isNegative()) {
      throw new IllegalArgumentException(
          "the clock skew must be between 0 and 30s, not " + clockSkew);
    }
    Objects.requireNonNull(audience, "audience");
    fetches = new WatchedFetches(jwks);
    keys = keySource(fetches);
    decoder = new NimbusJwtDecoder(processor(keys));
    JwtTimestampValidator timestamps = new JwtTimestampValidator(clockSkew);
    timestamps.setClock(clock);
    decoder.setJwtValidator(
        new DelegatingOAuth2TokenValidator<>(
            // Spring's timestamp check lets a token without exp through; require it first
            new JwtClaimValidator<Object>(JwtClaimNames.EXP, Objects::nonNull),
            timestamps,
            new JwtIssuerValidator(issuer.toString()),
            token ->
                token.getAudience() != null && token.getAudience().contains(audience)
                    ? OAuth2TokenValidatorResult.success()
                    : OAuth2TokenValidatorResult.failure(
                        new OAuth2Error(
                            "invalid_token",
                            "the token's audience "
                                + token.getAudience()
                                + " does not include "
                                + audience,
                            null))));
  }

  /**
   * Whether the realm's signing keys are at hand: fetched now, or still cached from a fetch within
   * the outage tolerance. A readiness check; it may wait up to the JWKS timeout.
   */
  public boolean keysAvailable() {
    try {
      return !keys.get(new JWKSelector(new JWKMatcher.Builder().build()), null).isEmpty();
    } catch (KeySourceException | RuntimeException e) {
      return false;
    }
  }

  private static JWKSource<SecurityContext> keySource(WatchedFetches fetches) {
    return JWKSourceBuilder.create(fetches)
        .cache(KEYS_TTL.toMillis(), KEYS_WAIT_MILLIS)
        .rateLimited(REFRESH_INTERVAL.toMillis())
        .outageTolerant(OUTAGE_TOLERANCE.toMillis())
        .retrying(true)
        .build();
  }

  /**
   * The fetches of the realm's key set, remembering whether the latest one failed: while it has,
   * the keys held are the outage tolerance's old ones, and a key id they lack may be one the realm
   * has since added.
   */
  private static final class WatchedFetches implements JWKSetSource<SecurityContext> {
    private final URLBasedJWKSetSource<SecurityContext> url;
    private volatile KeySourceException latestFailure;

    WatchedFetches(URI jwks) {
      try {
        url =
            new URLBasedJWKSetSource<>(
                jwks.toURL(),
                new DefaultResourceRetriever(JWKS_TIMEOUT_MILLIS, JWKS_TIMEOUT_MILLIS, 512 * 1024));
      } catch (MalformedURLException | IllegalArgumentException e) {
        throw new IllegalArgumentException("the JWKS address is not a URL: " + jwks, e);
      }
    }

    @Override
    public JWKSet getJWKSet(
        JWKSetCacheRefreshEvaluator refresh, long currentTime, SecurityContext context)
        throws KeySourceException {
      try {
        JWKSet fetched = url.getJWKSet(refresh, currentTime, context);
        latestFailure = null;
        return fetched;
      } catch (KeySourceException e) {
        latestFailure = e;
        throw e;
      }
    }

    /** Why the latest fetch failed; null when it succeeded. */
    KeySourceException latestFailure() {
      return latestFailure;
    }

    @Override
    public void close() throws java.io.IOException {
      url.close();
    }
  }

  private static DefaultJWTProcessor<SecurityContext> processor(JWKSource<SecurityContext> keys) {
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
    processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, null));
    // the claims are checked by Spring's validators above (exp required, skew at most 30 s), not
    // Nimbus's 60 s default
    processor.setJWTClaimsSetVerifier((claims, context) -> {});
    return processor;
  }

  /**
   * The caller a valid token names; throws {@link InvalidTokenException} saying what is wrong, or
   * {@link KeysUnavailableException} when the realm's keys to check it could not be fetched.
   */
  public Caller validate(String token) {
    return validated(token).caller();
  }

  /**
   * A valid token's caller and lifetime; throws {@link InvalidTokenException} saying what is wrong,
   * or {@link KeysUnavailableException} when the realm's keys to check it could not be fetched.
   */
  public Validated validated(String token) {
    Validated known = validated.get(token);
    if (known != null) {
      if (clock.instant().isBefore(known.expiresAt())) {
        return known;
      }
      validated.remove(token);
    }
    Jwt jwt;
    try {
      jwt = decoder.decode(token);
    } catch (JwtException e) {
      KeySourceException unfetched = keysNotFetched(e);
      if (unfetched != null) {
        throw new KeysUnavailableException(
            "the realm's signing keys could not be fetched (" + reason(unfetched) + ")", e);
      }
      KeySourceException outage = fetches.latestFailure();
      if (outage != null && !holdsKeyNamedBy(token)) {
        // the keys held are old ones kept through an outage: the realm may have added this key
        throw new KeysUnavailableException(
            "the token names a signing key not held here, and the realm's signing keys could not"
                + " be fetched to look for it ("
                + reason(outage)
                + ")",
            e);
      }
      throw new InvalidTokenException("invalid token: " + e.getMessage());
    }
    String nation = jwt.getClaimAsString("nation");
    if (nation == null || nation.isBlank()) {
      throw new InvalidTokenException("invalid token: the token has no nation claim");
    }
    Caller caller =
        Caller.of(
            principal(jwt),
            nation,
            jwt.getClaimAsString("clearance"),
            list(jwt, "communities"),
            list(jwt, "roles"));
    // remembered only until exp itself: the clock skew allowance is not extended to cached tokens
    Validated result =
        new Validated(
            caller,
            jwt.getIssuedAt() == null ? Instant.EPOCH : jwt.getIssuedAt(),
            jwt.getExpiresAt());
    validated.put(token, result);
    return result;
  }

  /**
   * Why the token could not be checked when the fault is the key source's, not the token's: the key
   * set could not be fetched (unreachable, timed out, an error status, not a key set), or a refresh
   * was rate-limited while no keys are held at all. Null when the token itself is at fault,
   * including a key id still unknown after a refresh within the rate limit.
   */
  private KeySourceException keysNotFetched(JwtException decoding) {
    for (Throwable cause = decoding.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof RateLimitReachedException limited) {
        // the keys were fetched moments ago: the token names a key the realm does not have, unless
        // that fetch failed and nothing is held (then this asks the cache, not Keycloak)
        return keysAvailable() ? null : limited;
      }
      if (cause instanceof KeySourceException unfetched) {
        return unfetched;
      }
    }
    return null;
  }

  /**
   * Whether the keys held include the one the token's header names; true for a token that names
   * none or cannot be parsed, whose fault is its own.
   */
  private boolean holdsKeyNamedBy(String token) {
    String keyId;
    try {
      keyId = JWSObject.parse(token).getHeader().getKeyID();
    } catch (java.text.ParseException | RuntimeException e) {
      return true;
    }
    if (keyId == null) {
      return true;
    }
    try {
      // from the cache; a refresh this may ask for is rate-limited like any other
      return !keys.get(new JWKSelector(new JWKMatcher.Builder().keyID(keyId).build()), null)
          .isEmpty();
    } catch (KeySourceException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The key source's own words and, where there is one, the network's or HTTP's beneath them; never
   * anything of the token.
   */
  private static String reason(KeySourceException unfetched) {
    if (unfetched instanceof RateLimitReachedException) {
      return "a fetch failed moments ago; the next is tried at most "
          + REFRESH_INTERVAL.toSeconds()
          + " s after it";
    }
    String reason = unfetched.getMessage();
    Throwable root = unfetched;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != unfetched && root.getMessage() != null && !reason.contains(root.getMessage())) {
      reason += ": " + root.getClass().getSimpleName() + ": " + root.getMessage();
    }
    // callers outside see this: the realm's internal address (and any credentials in it) is not
    // theirs to know, and a misbehaving server's words are kept short
    reason = ADDRESS.matcher(reason).replaceAll("(the realm's key set address)");
    return reason.length() > 300 ? reason.substring(0, 300) + "..." : reason;
  }

  /**
   * The caller behind an {@code authorization} header whose token validated before and has not
   * expired; null otherwise. Never blocks, so a non-blocking server can answer remembered callers
   * in place.
   */
  public Caller rememberedCaller(String authorization) {
    Validated known = remembered(authorization);
    return known == null ? null : known.caller();
  }

  /** As {@link #rememberedCaller}, with the token's lifetime. */
  public Validated remembered(String authorization) {
    String token = AlliedMetadata.bearerToken(authorization);
    if (token == null) {
      return null;
    }
    Validated known = validated.get(token);
    return known != null && clock.instant().isBefore(known.expiresAt()) ? known : null;
  }

  /**
   * The caller behind an {@code authorization} header value; throws {@link InvalidTokenException}
   * when it is missing, not a bearer token, or the token does not validate.
   */
  public Caller validateHeader(String authorization) {
    return validatedHeader(authorization).caller();
  }

  /** As {@link #validateHeader}, with the token's lifetime. */
  public Validated validatedHeader(String authorization) {
    String token = AlliedMetadata.bearerToken(authorization);
    if (token == null) {
      throw new InvalidTokenException(
          "no bearer token: send `authorization: Bearer <access token>` from the realm's token endpoint");
    }
    return validated(token);
  }

  private static List<String> list(Jwt jwt, String claim) {
    Object value = jwt.getClaims().get(claim);
    if (value instanceof List<?> values) {
      return values.stream().map(String::valueOf).toList();
    }
    return value == null ? List.of() : List.of(String.valueOf(value));
  }

  /**
   * Whom the token names, as records and rate limits know them: a system (a client's service
   * account, whose session Keycloak marks with {@code client_id}) by its client id, a person by
   * their username. A person's token is issued to the client they logged in through ({@code azp},
   * e.g. the console), which names no one.
   */
  static String principal(Jwt jwt) {
    String clientId = jwt.getClaimAsString(CLIENT_ID_CLAIM);
    String azp = jwt.getClaimAsString("azp");
    if (azp != null && KEYCLOAK_CLIENTS.contains(azp)) {
      // a realm that maps the gateway audience to every client must not open the door to them
      throw new InvalidTokenException(
          "invalid token: it was issued to Keycloak's own client "
              + azp
              + ", which no national system or person uses to call the federation");
    }
    if (clientId != null) {
      if (!PRINCIPAL.matcher(clientId).matches() || !clientId.equals(azp)) {
        throw new InvalidTokenException(
            "invalid token: a service account's client_id must be a client id equal to azp");
      }
      return clientId;
    }
    String username = jwt.getClaimAsString("preferred_username");
    if (username == null || !PRINCIPAL.matcher(username).matches()) {
      throw new InvalidTokenException(
          "invalid token: the token names no system (client_id) and no person"
              + " (preferred_username)");
    }
    if (username.startsWith(SERVICE_ACCOUNT_PREFIX)) {
      // a service account's token without its client_id note: the realm lacks the mapper
      throw new InvalidTokenException(
          "invalid token: a service account's token must carry client_id (the realm's `allied`"
              + " scope maps it)");
    }
    return username;
  }

  private static final java.util.regex.Pattern ADDRESS =
      java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://\\S*");

  /** Keycloak's built-in clients: their tokens are for Keycloak itself, never for the gateway. */
  static final java.util.Set<String> KEYCLOAK_CLIENTS =
      java.util.Set.of(
          "admin-cli",
          "account",
          "account-console",
          "security-admin-console",
          "broker",
          "realm-management");

  /** The claim Keycloak's service-account sessions carry (a user-session note mapped to it). */
  static final String CLIENT_ID_CLAIM = "client_id";

  private static final String SERVICE_ACCOUNT_PREFIX = "service-account-";

  /** A client id or username: printable, no spaces or controls, at most 255 characters. */
  private static final java.util.regex.Pattern PRINCIPAL =
      java.util.regex.Pattern.compile("[\\p{L}\\p{N}._@+-]{1,255}");

  /**
   * No token can be checked now because the realm's signing keys could not be fetched: the fault is
   * not the caller's token, so the caller should retry rather than log in again. Fails closed: the
   * token is not admitted.
   */
  public static final class KeysUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KeysUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A token that does not pass; the message is one a developer can act on. */
  public static final class InvalidTokenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidTokenException(String message) {
      super(message);
    }
  }
}
