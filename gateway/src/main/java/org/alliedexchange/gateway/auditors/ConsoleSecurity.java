package org.alliedexchange.gateway.auditors;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.client.oidc.web.server.logout.OidcClientInitiatedServerLogoutSuccessHandler;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizationRequestCustomizers;
import org.springframework.security.oauth2.client.web.server.DefaultServerOAuth2AuthorizationRequestResolver;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.WebFilterExchange;
import org.springframework.security.web.server.authentication.InvalidateLeastUsedServerMaximumSessionsExceededHandler;
import org.springframework.security.web.server.authentication.SessionLimit;
import org.springframework.security.web.server.authentication.logout.DelegatingServerLogoutHandler;
import org.springframework.security.web.server.authentication.logout.SecurityContextServerLogoutHandler;
import org.springframework.security.web.server.authentication.logout.ServerLogoutSuccessHandler;
import org.springframework.security.web.server.authentication.logout.WebSessionServerLogoutHandler;
import org.springframework.security.web.server.csrf.CsrfWebFilter;
import org.springframework.security.web.server.header.XFrameOptionsServerHttpHeadersWriter;
import org.springframework.security.web.server.savedrequest.CookieServerRequestCache;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.session.WebSessionStore;
import reactor.core.publisher.Mono;

/**
 * Spring Security's chains for the console's and the hotline page's paths and their APIs; nothing
 * else the gateway serves (gRPC, the admin API) is matched, and keeps its own bearer-token checks.
 */
public final class ConsoleSecurity {

  private ConsoleSecurity() {}

  /**
   * The security of the console's paths and the auditors' API, with the console's login. Nothing is
   * kept on the gateway for a visitor who has not logged in: the pending login and the page to
   * return to are in cookies ({@link LoginRequestCookie}); the session starts at login.
   */
  public static SecurityWebFilterChain consoleChain(
      ServerHttpSecurity http,
      ConsoleLogin login,
      WebSessionStore sessionStore,
      int maxSessionsPerPerson) {
    DefaultServerOAuth2AuthorizationRequestResolver resolver =
        new DefaultServerOAuth2AuthorizationRequestResolver(login.registrations());
    resolver.setAuthorizationRequestCustomizer(OAuth2AuthorizationRequestCustomizers.withPkce());
    OidcClientInitiatedServerLogoutSuccessHandler consoleLogout =
        logoutTo(login, ConsoleLogin.CONSOLE_PATH);
    OidcClientInitiatedServerLogoutSuccessHandler hotlineLogout =
        logoutTo(login, ConsoleLogin.HOTLINE_PATH);
    // each page's Log out leads back to that page's login
    ServerLogoutSuccessHandler logout =
        (exchange, authentication) ->
            (exchange
                        .getExchange()
                        .getRequest()
                        .getPath()
                        .value()
                        .equals(ConsoleLogin.HOTLINE_LOGOUT_PATH)
                    ? hotlineLogout
                    : consoleLogout)
                .onLogoutSuccess(exchange, authentication);
    return http
        // the login's own paths only: Spring's generated /login and /logout pages stay out of reach
        .securityMatcher(
            ServerWebExchangeMatchers.pathMatchers(
                ConsoleLogin.CONSOLE_PATH,
                ConsoleLogin.CONSOLE_PATH + "/**",
                ConsoleLogin.HOTLINE_PATH,
                ConsoleLogin.HOTLINE_PATH + "/**",
                "/oauth2/authorization/**",
                "/login/oauth2/code/**",
                AuditorApi.PATH + "/**"))
        .authorizeExchange(
            exchanges ->
                exchanges
                    // the APIs take bearer tokens too; each is authenticated by the gRPC call it
                    // makes
                    .pathMatchers(AuditorApi.PATH + "/**", ConsoleLogin.HOTLINE_API_PATH + "/**")
                    .permitAll()
                    .anyExchange()
                    .authenticated())
        // the hotline page's POSTs carry the session's CSRF token (from /hotline/api/me) in a
        // header; a script's request with its own bearer token is no forgery, since no browser
        // adds that header by itself
        .csrf(csrf -> csrf.requireCsrfProtectionMatcher(ConsoleSecurity::needsCsrfToken))
        // the page to return to after login, in a cookie rather than a session
        .requestCache(cache -> cache.requestCache(new CookieServerRequestCache()))
        // a person holds at most so many sessions, the least recently used ended by the next
        // login: no one, however many times they log in, fills the store the others log in to
        .sessionManagement(
            sessions ->
                sessions.concurrentSessions(
                    concurrency ->
                        concurrency
                            .maximumSessions(SessionLimit.of(maxSessionsPerPerson))
                            .sessionRegistry(new PersonSessions(sessionStore))
                            .maximumSessionsExceededHandler(
                                new InvalidateLeastUsedServerMaximumSessionsExceededHandler(
                                    sessionStore))))
        .oauth2Login(
            oauth ->
                oauth
                    .authenticationManager(login.logins())
                    .authorizationRequestRepository(login.loginRequests())
                    .authorizationRequestResolver(resolver)
                    .authenticationFailureHandler(ConsoleSecurity::loginFailed)
                    .authorizedClientRepository(login.authorizedClientRepository()))
        // a link logs out (the page is static and holds no CSRF token); a forged logout only ends a
        // session
        .logout(
            out ->
                out
                    // the session itself ends, not only its login: nothing of it is left to be
                    // counted or re-filed under whoever logs in next in that browser
                    .logoutHandler(
                        new DelegatingServerLogoutHandler(
                            new SecurityContextServerLogoutHandler(),
                            new WebSessionServerLogoutHandler()))
                    .requiresLogout(
                        ServerWebExchangeMatchers.pathMatchers(
                            HttpMethod.GET,
                            ConsoleLogin.LOGOUT_PATH,
                            ConsoleLogin.HOTLINE_LOGOUT_PATH))
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

  private static OidcClientInitiatedServerLogoutSuccessHandler logoutTo(
      ConsoleLogin login, String page) {
    OidcClientInitiatedServerLogoutSuccessHandler logout =
        new OidcClientInitiatedServerLogoutSuccessHandler(login.registrations());
    logout.setPostLogoutRedirectUri("{baseUrl}" + page + "/");
    // with no session to end (it expired, or a second click), back to the page, not Spring's
    // /login?logout
    logout.setLogoutSuccessUrl(URI.create(page + "/"));
    return logout;
  }

  private static Mono<ServerWebExchangeMatcher.MatchResult> needsCsrfToken(
      ServerWebExchange exchange) {
    if (exchange.getRequest().getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)) {
      return ServerWebExchangeMatcher.MatchResult.notMatch();
    }
    return CsrfWebFilter.DEFAULT_CSRF_MATCHER.matches(exchange);
  }

  /**
   * The chain when no browser login is configured: the auditors' and the hotline page's APIs take
   * bearer tokens only, and nothing else is matched.
   */
  public static SecurityWebFilterChain bearerOnlyChain(ServerHttpSecurity http) {
    return http.securityMatcher(
            ServerWebExchangeMatchers.pathMatchers(
                AuditorApi.PATH + "/**", ConsoleLogin.HOTLINE_API_PATH + "/**"))
        .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
        .csrf(ServerHttpSecurity.CsrfSpec::disable)
        .build();
  }

  /**
   * A login that Keycloak or the code exchange refused ends here, saying why, instead of on
   * Spring's generated /login page, which is outside this chain. No redirect: Keycloak's single
   * sign-on would send the browser straight back into the same failure.
   */
  private static Mono<Void> loginFailed(
      WebFilterExchange exchange, AuthenticationException failure) {
    ServerHttpResponse response = exchange.getExchange().getResponse();
    response.setStatusCode(HttpStatus.UNAUTHORIZED);
    response.getHeaders().setContentType(new MediaType("text", "plain", StandardCharsets.UTF_8));
    String why =
        failure.getMessage() == null && failure instanceof OAuth2AuthenticationException oauth
            ? oauth.getError().toString()
            : failure.getMessage();
    String message =
        "login to the auditor console failed: "
            + why
            + "\nstart again at "
            + ConsoleLogin.CONSOLE_PATH
            + "/\n";
    return response.writeWith(
        Mono.just(response.bufferFactory().wrap(message.getBytes(StandardCharsets.UTF_8))));
  }
}
