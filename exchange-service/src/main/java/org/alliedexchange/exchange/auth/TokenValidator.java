package org.alliedexchange.exchange.auth;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * Validates a Keycloak access token in full: signature by a key of the realm's JWKS (cached; an unknown
 * key id triggers a refresh), algorithm RS256 only (so {@code alg: none} and HMAC tricks fail), issuer,
 * audience, and an expiry that must be present and not past (with at most 30 s of clock skew).
 */
public final class TokenValidator {

  private static final Duration MAX_SKEW = Duration.ofSeconds(30);
  private static final int CACHE_SIZE = 10_000;
  private final NimbusJwtDecoder decoder;
  private final Clock clock;
  // a token that validated once names the same caller until it expires: the signature check is not redone per call
  private final Map<String, Validated> validated = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Validated> eldest) {
      return size() > CACHE_SIZE;
    }
  });

  private record Validated(Caller caller, Instant expiresAt) {}

  public TokenValidator(URI issuer, URI jwks, String audience, Duration clockSkew) {
    this(issuer, jwks, audience, clockSkew, Clock.systemUTC());
  }

  TokenValidator(URI issuer, URI jwks, String audience, Duration clockSkew, Clock clock) {
    this.clock = clock;
    if (clockSkew.compareTo(MAX_SKEW) > 0 || clockSkew.isNegative()) {
      throw new IllegalArgumentException("allied.exchange.auth.clock-skew must be between 0 and 30s, not " + clockSkew);
    }
    decoder = NimbusJwtDecoder.withJwkSetUri(jwks.toString()).jwsAlgorithm(SignatureAlgorithm.RS256).build();
    JwtTimestampValidator timestamps = new JwtTimestampValidator(clockSkew);
    timestamps.setClock(clock);
    decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
        // Spring's timestamp check lets a token without exp through; require it first
        new JwtClaimValidator<Object>(JwtClaimNames.EXP, Objects::nonNull),
        timestamps,
        new JwtIssuerValidator(issuer.toString()),
        token -> token.getAudience() != null && token.getAudience().contains(audience)
            ? OAuth2TokenValidatorResult.success()
            : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token",
                "the token's audience " + token.getAudience() + " does not include " + audience, null))));
  }

  /** The caller a valid token names; throws {@link InvalidTokenException} saying what is wrong. */
  public Caller validate(String token) {
    Validated known = validated.get(token);
    if (known != null) {
      if (clock.instant().isBefore(known.expiresAt())) {
        return known.caller();
      }
      validated.remove(token);
    }
    Jwt jwt;
    try {
      jwt = decoder.decode(token);
    } catch (JwtException e) {
      throw new InvalidTokenException(e.getMessage());
    }
    String nation = jwt.getClaimAsString("nation");
    if (nation == null || nation.isBlank()) {
      throw new InvalidTokenException("the token has no nation claim");
    }
    String system = firstNonBlank(jwt.getClaimAsString("azp"), jwt.getClaimAsString("preferred_username"), jwt.getSubject());
    Caller caller = Caller.of(system, nation, jwt.getClaimAsString("clearance"), list(jwt, "communities"), list(jwt, "roles"));
    // remembered only until exp itself: the clock skew allowance is not extended to cached tokens
    validated.put(token, new Validated(caller, jwt.getExpiresAt()));
    return caller;
  }

  private static List<String> list(Jwt jwt, String claim) {
    Object value = jwt.getClaims().get(claim);
    if (value instanceof List<?> values) {
      return values.stream().map(String::valueOf).toList();
    }
    return value == null ? List.of() : List.of(String.valueOf(value));
  }

  private static String firstNonBlank(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return "unknown";
  }

  /** A token that does not pass; the message is one a developer can act on. */
  public static final class InvalidTokenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidTokenException(String message) {
      super(message);
    }
  }
}
