package org.alliedexchange.accesstoken;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a service validates callers' Keycloak tokens: the {@code auth} block of the gateway's, the
 * exchange services' and the audit service's configuration ({@code allied.<service>.auth.*}),
 * checked at start-up.
 *
 * @param issuer the realm's issuer, e.g. http://127.0.0.1:8081/realms/allied (the {@code iss} of
 *     its tokens)
 * @param jwksUri the realm's keys; the issuer's {@code /protocol/openid-connect/certs} when unset
 * @param audience the audience every token must carry
 * @param clockSkew how far token times may be off; 30 s at most
 */
public record TokenSettings(
    @NotNull URI issuer,
    URI jwksUri,
    @DefaultValue("allied-gateway") @NotBlank String audience,
    @DefaultValue("30s")
        @NotNull
        @DurationMin(seconds = 0)
        @DurationMax(seconds = 30, message = "must be between 0 and 30s")
        Duration clockSkew) {

  public URI jwks() {
    return jwksUri != null
        ? jwksUri
        : URI.create(issuer.toString().replaceAll("/+$", "") + "/protocol/openid-connect/certs");
  }
}
