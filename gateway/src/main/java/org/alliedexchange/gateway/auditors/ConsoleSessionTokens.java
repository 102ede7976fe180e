package org.alliedexchange.gateway.auditors;

import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The tokens of the auditors' API and the hotline page's API when the browser login is on: the
 * request's bearer token, else the console session's access token (refreshed when it has expired).
 */
public final class ConsoleSessionTokens implements AuditorTokens {

  private final ReactiveOAuth2AuthorizedClientManager manager;
  private final String noToken;

  public ConsoleSessionTokens(ConsoleLogin login) {
    this(
        login,
        "log in to the auditor console at "
            + ConsoleLogin.CONSOLE_PATH
            + "/, or send an auditor's token as `Authorization: Bearer <token>`");
  }

  /**
   * @param noToken what a request with neither a bearer token nor a session is told (which page to
   *     log in at)
   */
  public ConsoleSessionTokens(ConsoleLogin login, String noToken) {
    this.manager = login.authorizedClientManager();
    this.noToken = noToken;
  }

  @Override
  public Mono<String> token(ServerWebExchange exchange) {
    return AuditorTokens.bearer(exchange)
        .switchIfEmpty(
            exchange
                .getPrincipal()
                .filter(OAuth2AuthenticationToken.class::isInstance)
                .cast(OAuth2AuthenticationToken.class)
                .flatMap(
                    principal ->
                        manager.authorize(
                            OAuth2AuthorizeRequest.withClientRegistrationId(
                                    ConsoleLogin.REGISTRATION)
                                .principal(principal)
                                .attribute(ServerWebExchange.class.getName(), exchange)
                                .build()))
                .map(client -> client.getAccessToken().getTokenValue()))
        .switchIfEmpty(Mono.error(() -> new NoToken(noToken)));
  }
}
