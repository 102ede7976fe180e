package org.alliedexchange.gateway.auditors;

import io.netty.channel.ChannelOption;
import java.net.URI;
import java.time.Duration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.oauth2.client.endpoint.WebClientReactiveAuthorizationCodeTokenResponseClient;
import org.springframework.security.oauth2.client.endpoint.WebClientReactiveRefreshTokenTokenResponseClient;
import org.springframework.security.oauth2.client.oidc.authentication.OidcAuthorizationCodeReactiveAuthenticationManager;
import org.springframework.security.oauth2.client.oidc.authentication.OidcIdTokenValidator;
import org.springframework.security.oauth2.client.oidc.authentication.ReactiveOidcIdTokenDecoderFactory;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcReactiveOAuth2UserService;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.userinfo.DefaultReactiveOAuth2UserService;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.converter.ClaimTypeConverter;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.netty.http.client.HttpClient;

/**
 * The console login's calls to Keycloak (code exchange, ID token keys, user info, token refresh),
 * each bounded: Spring's default client would wait forever on a stalled realm.
 */
final class KeycloakLoginCalls {

  private final ReactiveAuthenticationManager logins;
  private final WebClientReactiveRefreshTokenTokenResponseClient refreshes;

  /**
   * @param registration the console's client registration at the realm
   * @param jwks the realm's keys
   * @param timeout how long any one call to Keycloak may take before the login is refused
   */
  KeycloakLoginCalls(ClientRegistration registration, URI jwks, Duration timeout) {
    WebClient keycloak = keycloakClient(timeout);
    WebClientReactiveAuthorizationCodeTokenResponseClient codes =
        new WebClientReactiveAuthorizationCodeTokenResponseClient();
    codes.setWebClient(keycloak);
    this.refreshes = new WebClientReactiveRefreshTokenTokenResponseClient();
    refreshes.setWebClient(keycloak);
    DefaultReactiveOAuth2UserService userInfo = new DefaultReactiveOAuth2UserService();
    userInfo.setWebClient(keycloak);
    OidcReactiveOAuth2UserService users = new OidcReactiveOAuth2UserService();
    users.setOauth2UserService(userInfo);
    ReactiveJwtDecoder idTokens = idTokenDecoder(registration, jwks, keycloak);
    OidcAuthorizationCodeReactiveAuthenticationManager oidc =
        new OidcAuthorizationCodeReactiveAuthenticationManager(codes, users);
    oidc.setJwtDecoderFactory(client -> idTokens);
    // a realm that cannot be reached refuses the login like any other failure: 401, saying so
    this.logins =
        authentication ->
            oidc.authenticate(authentication)
                .onErrorMap(
                    KeycloakLoginCalls::unreachable,
                    e -> {
                      OAuth2Error error =
                          new OAuth2Error(
                              "keycloak_unavailable",
                              "Keycloak did not answer within "
                                  + timeout.toMillis()
                                  + " ms ("
                                  + e.getMessage()
                                  + ")",
                              null);
                      return new OAuth2AuthenticationException(error, error.toString(), e);
                    });
  }

  /**
   * The login's authentication: the code exchange, the ID token, and the user, each call to
   * Keycloak bounded.
   */
  ReactiveAuthenticationManager logins() {
    return logins;
  }

  /** The refresh of an expired access token, bounded like the login. */
  WebClientReactiveRefreshTokenTokenResponseClient refreshes() {
    return refreshes;
  }

  private static WebClient keycloakClient(Duration timeout) {
    // the response timeout runs between reads, so a body that stops coming is bounded as well as
    // the headers
    HttpClient http =
        HttpClient.create()
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
            .responseTimeout(timeout);
    return WebClient.builder().clientConnector(new ReactorClientHttpConnector(http)).build();
  }

  /**
   * Keycloak could not be reached, or stopped answering: a request that failed, or a read that
   * timed out.
   */
  private static boolean unreachable(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof WebClientRequestException
          || e instanceof io.netty.handler.timeout.TimeoutException
          || e instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
    }
    return false;
  }

  /**
   * ID tokens: RS256 only, signed by a key of the realm's JWKS, checked for issuer, audience,
   * expiry and nonce.
   */
  private static ReactiveJwtDecoder idTokenDecoder(
      ClientRegistration registration, URI jwks, WebClient keycloak) {
    NimbusReactiveJwtDecoder decoder =
        NimbusReactiveJwtDecoder.withJwkSetUri(jwks.toString())
            .webClient(keycloak)
            .jwsAlgorithm(SignatureAlgorithm.RS256)
            .build();
    decoder.setJwtValidator(
        new DelegatingOAuth2TokenValidator<>(
            new JwtTimestampValidator(), new OidcIdTokenValidator(registration)));
    decoder.setClaimSetConverter(
        new ClaimTypeConverter(
            ReactiveOidcIdTokenDecoderFactory.createDefaultClaimTypeConverters()));
    return decoder;
  }
}
