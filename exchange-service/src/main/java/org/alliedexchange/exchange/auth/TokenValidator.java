package org.alliedexchange.exchange.auth;

import java.net.URI;
import java.time.Duration;
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
  private final NimbusJwtDecoder decoder;

  public TokenValidator(URI issuer, URI jwks, String audience, Duration clockSkew) {
    if (clockSkew.compareTo(MAX_SKEW) > 0 || clockSkew.isNegative()) {
      throw new IllegalArgumentException("allied.exchange.auth.clock-skew must be between 0 and 30s, not " + clockSkew);
    }
    decoder = NimbusJwtDecoder.withJwkSetUri(jwks.toString()).jwsAlgorithm(SignatureAlgorithm.RS256).build();
    decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
        // Spring's timestamp check lets a token without exp through; require it first
        new JwtClaimValidator<Object>(JwtClaimNames.EXP, Objects::nonNull),
        new JwtTimestampValidator(clockSkew),
        new JwtIssuerValidator(issuer.toString()),
        token -> token.getAudience() != null && token.getAudience().contains(audience)
            ? OAuth2TokenValidatorResult.success()
            : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token",
                "the token's audience " + token.getAudience() + " does not include " + audience, null))));
  }

  /** The caller a valid token names; throws {@link InvalidTokenException} saying what is wrong. */
  public Caller validate(String token) {
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
    return Caller.of(system, nation, jwt.getClaimAsString("clearance"), list(jwt, "communities"), list(jwt, "roles"));
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
