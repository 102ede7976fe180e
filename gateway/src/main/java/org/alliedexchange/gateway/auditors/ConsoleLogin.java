package org.alliedexchange.gateway.auditors;

import io.netty.channel.ChannelOption;
import java.net.URI;
import java.time.Duration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken;
import org.springframework.security.oauth2.client.endpoint.WebClientReactiveAuthorizationCodeTokenResponseClient;
import org.springframework.security.oauth2.client.endpoint.WebClientReactiveRefreshTokenTokenResponseClient;
import org.springframework.security.oauth2.client.oidc.authentication.OidcAuthorizationCodeReactiveAuthenticationManager;
import org.springframework.security.oauth2.client.oidc.authentication.OidcIdTokenValidator;
import org.springframework.security.oauth2.client.oidc.authentication.ReactiveOidcIdTokenDecoderFactory;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcReactiveOAuth2UserService;
import org.springframework.security.oauth2.client.oidc.web.server.logout.OidcClientInitiatedServerLogoutSuccessHandler;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.userinfo.DefaultReactiveOAuth2UserService;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizationRequestCustomizers;
import org.springframework.security.oauth2.client.web.server.AuthenticatedPrincipalServerOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.client.web.server.DefaultServerOAuth2AuthorizationRequestResolver;
import org.springframework.security.oauth2.client.web.server.ServerOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.converter.ClaimTypeConverter;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.header.XFrameOptionsServerHttpHeadersWriter;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * The auditor console's login at the gateway: Keycloak's authorization code flow with PKCE, by the
 * realm's public console client (no client secret exists to leak). The session holds the auditor's
 * tokens; the console's page is fetched from the audit service with the access token relayed, and
 * the page's calls to the auditors' API ({@link AuditorApi}) are made with the same token,
 * refreshed when it expires. Everything else the gateway serves (gRPC, the admin API) is outside
 * this chain and keeps its own bearer-token checks.
 */
public final class ConsoleLogin implements AuditorTokens {

  /**
   * The client registration id, also the last part of the redirect path
   * /login/oauth2/code/keycloak.
   */
  public static final String REGISTRATION = "keycloak";

  public static final String CONSOLE_PATH = "/console";

  /**
   * Under the console, not /logout: Spring Security answers GET /logout with its own "are you
   * sure?" page for any chain with a login, which left the console's Log out link on a page it
   * never meant to show.
   */
  public static final String LOGOUT_PATH = CONSOLE_PATH + "/logout";

  private final ReactiveClientRegistrationRepository registrations;
  private final ReactiveOAuth2AuthorizedClientService clients;
  private final ReactiveOAuth2AuthorizedClientManager manager;
  private final ReactiveAuthenticationManager logins;

  /**
   * @param issuer the realm's issuer, e.g. http://127.0.0.1:8081/realms/allied
   * @param jwks the realm's keys
   * @param clientId the realm's public client for the console
   * @param keycloakTimeout how long any one call to Keycloak may take before the login is refused
   */
  public ConsoleLogin(URI issuer, URI jwks, String clientId, Duration keycloakTimeout) {
    String realm = issuer.toString().replaceAll("/+$", "");
    ClientRegistration registration =
        ClientRegistration.withRegistrationId(REGISTRATION)
            .clientId(clientId)
            .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
            .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
            .redirectUri("{baseUrl}/login/oauth2/code/{registrationId}")
            .scope("openid")
            .authorizationUri(realm + "/protocol/openid-connect/auth")
            .tokenUri(realm + "/protocol/openid-connect/token")
            .jwkSetUri(jwks.toString())
            .userInfoUri(realm + "/protocol/openid-connect/userinfo")
            .userNameAttributeName("preferred_username")
            .issuerUri(realm)
            .providerConfigurationMetadata(
                java.util.Map.of("end_session_endpoint", realm + "/protocol/openid-connect/logout"))
            .clientName("Keycloak")
            .build();
    this.registrations = new InMemoryReactiveClientRegistrationRepository(registration);
    this.clients = new InMemoryReactiveOAuth2AuthorizedClientService(registrations);

    // every call to Keycloak is bounded: Spring's default client would wait forever on a stalled
    // realm
    WebClient keycloak = keycloakClient(keycloakTimeout);
    WebClientReactiveAuthorizationCodeTokenResponseClient codes =
        new WebClientReactiveAuthorizationCodeTokenResponseClient();
    codes.setWebClient(keycloak);
    WebClientReactiveRefreshTokenTokenResponseClient refreshes =
        new WebClientReactiveRefreshTokenTokenResponseClient();
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
                    ConsoleLogin::unreachable,
                    e -> {
                      OAuth2Error error =
                          new OAuth2Error(
                              "keycloak_unavailable",
                              "Keycloak did not answer within "
                                  + keycloakTimeout.toMillis()
                                  + " ms ("
                                  + e.getMessage()
                                  + ")",
                              null);
                      return new OAuth2AuthenticationException(error, error.toString(), e);
                    });

    AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager manager =
        new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(registrations, clients);
    manager.setAuthorizedClientProvider(
        ReactiveOAuth2AuthorizedClientProviderBuilder.builder()
            .authorizationCode()
            .refreshToken(refresh -> refresh.accessTokenResponseClient(refreshes))
            .build());
    this.manager = manager;
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

  /**
   * The login's authentication: the code exchange, the ID token, and the user, each call to
   * Keycloak bounded.
   */
  public ReactiveAuthenticationManager logins() {
    return logins;
  }

  public ReactiveClientRegistrationRepository registrations() {
    return registrations;
  }

  public ReactiveOAuth2AuthorizedClientManager authorizedClientManager() {
    return manager;
  }

  public ServerOAuth2AuthorizedClientRepository authorizedClientRepository() {
    return new AuthenticatedPrincipalServerOAuth2AuthorizedClientRepository(clients);
  }

  /** The security of the console's paths and the auditors' API; nothing else is matched. */
  public SecurityWebFilterChain chain(ServerHttpSecurity http) {
    DefaultServerOAuth2AuthorizationRequestResolver resolver =
        new DefaultServerOAuth2AuthorizationRequestResolver(registrations);
    resolver.setAuthorizationRequestCustomizer(OAuth2AuthorizationRequestCustomizers.withPkce());
    OidcClientInitiatedServerLogoutSuccessHandler logout =
        new OidcClientInitiatedServerLogoutSuccessHandler(registrations);
    logout.setPostLogoutRedirectUri("{baseUrl}" + CONSOLE_PATH + "/");
    // with no session to end (it expired, or a second click), back to the console, not Spring's
    // /login?logout
    logout.setLogoutSuccessUrl(URI.create(CONSOLE_PATH + "/"));
    return http
        // the login's own paths only: Spring's generated /login and /logout pages stay out of reach
        .securityMatcher(
            ServerWebExchangeMatchers.pathMatchers(
                CONSOLE_PATH,
                CONSOLE_PATH + "/**",
                "/oauth2/authorization/**",
                "/login/oauth2/code/**",
                AuditorApi.PATH + "/**"))
        .authorizeExchange(
            exchanges ->
                exchanges
                    // the API takes bearer tokens too; it is authenticated by the gRPC call it
                    // makes
                    .pathMatchers(AuditorApi.PATH + "/**")
                    .permitAll()
                    .anyExchange()
                    .authenticated())
        .oauth2Login(
            login ->
                login
                    .authenticationManager(logins)
                    .authorizationRequestResolver(resolver)
                    .authenticationFailureHandler(ConsoleLogin::loginFailed)
                    .authorizedClientRepository(authorizedClientRepository()))
        // a link logs out (the page is static and holds no CSRF token); a forged logout only ends a
        // session
        .logout(
            out ->
                out.requiresLogout(
                        ServerWebExchangeMatchers.pathMatchers(
                            org.springframework.http.HttpMethod.GET, LOGOUT_PATH))
                    .logoutSuccessHandler(logout))
        .headers(
            headers ->
                headers
                    .contentSecurityPolicy(
                        csp ->
                            csp.policyDirectives(
                                "default-src 'self'; frame-ancestors 'none'; form-action 'self'"))
                    .frameOptions(
                        frame -> frame.mode(XFrameOptionsServerHttpHeadersWriter.Mode.DENY)))
        .build();
  }

  /**
   * A login that Keycloak or the code exchange refused ends here, saying why, instead of on
   * Spring's generated /login page, which is outside this chain. No redirect: Keycloak's single
   * sign-on would send the browser straight back into the same failure.
   */
  private static Mono<Void> loginFailed(
      org.springframework.security.web.server.WebFilterExchange exchange,
      org.springframework.security.core.AuthenticationException failure) {
    org.springframework.http.server.reactive.ServerHttpResponse response =
        exchange.getExchange().getResponse();
    response.setStatusCode(org.springframework.http.HttpStatus.UNAUTHORIZED);
    response
        .getHeaders()
        .setContentType(
            new org.springframework.http.MediaType(
                "text", "plain", java.nio.charset.StandardCharsets.UTF_8));
    String why =
        failure.getMessage() == null && failure instanceof OAuth2AuthenticationException oauth
            ? oauth.getError().toString()
            : failure.getMessage();
    String message =
        "login to the auditor console failed: " + why + "\nstart again at " + CONSOLE_PATH + "/\n";
    return response.writeWith(
        Mono.just(
            response
                .bufferFactory()
                .wrap(message.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
  }

  /**
   * The request's bearer token, else the console session's access token (refreshed when it has
   * expired).
   */
  @Override
  public Mono<String> token(org.springframework.web.server.ServerWebExchange exchange) {
    return AuditorTokens.bearer(exchange)
        .switchIfEmpty(
            exchange
                .getPrincipal()
                .filter(OAuth2AuthenticationToken.class::isInstance)
                .cast(OAuth2AuthenticationToken.class)
                .flatMap(
                    principal ->
                        manager.authorize(
                            OAuth2AuthorizeRequest.withClientRegistrationId(REGISTRATION)
                                .principal(principal)
                                .attribute(
                                    org.springframework.web.server.ServerWebExchange.class
                                        .getName(),
                                    exchange)
                                .build()))
                .map(client -> client.getAccessToken().getTokenValue()))
        .switchIfEmpty(
            Mono.error(
                new NoToken(
                    "log in to the auditor console at "
                        + CONSOLE_PATH
                        + "/, or send an auditor's token as `Authorization: Bearer <token>`")));
  }

  /**
   * The chain when no console is configured: the auditors' API takes bearer tokens only, and
   * nothing else is matched.
   */
  public static SecurityWebFilterChain bearerOnlyChain(ServerHttpSecurity http) {
    return http.securityMatcher(ServerWebExchangeMatchers.pathMatchers(AuditorApi.PATH + "/**"))
        .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
        .csrf(ServerHttpSecurity.CsrfSpec::disable)
        .build();
  }
}
