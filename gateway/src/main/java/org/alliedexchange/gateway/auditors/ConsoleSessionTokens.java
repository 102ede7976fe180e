package org.alliedexchange.gateway.auditors;

import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The auditors' API's tokens when the console is on: the request's bearer token, else the console
 * session's access token (refreshed when it has expired).
 */
public final class ConsoleSessionTokens implements AuditorTokens {

  private final ReactiveOAuth2AuthorizedClientManager manager;

  public ConsoleSessionTokens(ConsoleLogin login) {
    this.manager = login.authorizedClientManager();
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
        .switchIfEmpty(
            Mono.error(
                new NoToken(
                    "log in to the auditor console at "
                        + ConsoleLogin.CONSOLE_PATH
                        + "/, or send an auditor's token as `Authorization: Bearer <token>`")));
  }
}
