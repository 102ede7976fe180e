package org.alliedexchange.gateway.config;

import java.nio.file.Path;
import java.time.Clock;
import org.alliedexchange.gateway.auditors.ConsoleLogin;
import org.alliedexchange.gateway.auditors.ConsoleSecurity;
import org.alliedexchange.gateway.auditors.LoginRequestCookie;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.cloud.gateway.support.RouteMetadataUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.server.session.DefaultWebSessionManager;
import org.springframework.web.server.session.WebSessionManager;

/**
 * The browser login (Keycloak, authorization code with PKCE, at the gateway) for the auditor
 * console, whose page comes from the audit service with the token relayed (when {@code
 * allied.gateway.audit-service.console-url} is set), and for the hotline page, which the gateway
 * serves itself.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "allied.gateway.console.enabled", havingValue = "true")
class ConsoleConfiguration {

  @Bean
  ConsoleLogin consoleLogin(GatewayProperties properties) {
    Path keyFile = properties.console().loginKeyFile();
    LoginRequestCookie loginRequests =
        keyFile == null
            ? new LoginRequestCookie(Clock.systemUTC())
            : LoginRequestCookie.withKeyFile(
                keyFile, "allied.gateway.console.login-key-file", Clock.systemUTC());
    return new ConsoleLogin(
        properties.auth().issuer(),
        properties.auth().jwks(),
        properties.console().clientId(),
        properties.console().keycloakTimeout(),
        loginRequests);
  }

  @Bean
  ReactiveClientRegistrationRepository clientRegistrations(ConsoleLogin login) {
    return login.registrations();
  }

  @Bean
  ReactiveOAuth2AuthorizedClientManager authorizedClientManager(ConsoleLogin login) {
    return login.authorizedClientManager();
  }

  @Bean
  SecurityWebFilterChain consoleSecurity(
      ServerHttpSecurity http,
      ConsoleLogin login,
      WebSessionManager sessions,
      GatewayProperties properties) {
    if (!(sessions instanceof DefaultWebSessionManager manager)) {
      throw new IllegalStateException(
          "allied.gateway.console.max-sessions-per-person needs the session store of Spring's"
              + " default session manager, not "
              + sessions.getClass().getName());
    }
    return ConsoleSecurity.consoleChain(
        http, login, manager.getSessionStore(), properties.console().maxSessionsPerPerson());
  }

  /** The auditor console's page, when the audit service serves one; the hotline page needs none. */
  @Bean
  RouteLocator consoleRoute(RouteLocatorBuilder routes, GatewayProperties properties) {
    if (properties.auditService().consoleUrl() == null) {
      return routes.routes().build();
    }
    return routes
        .routes()
        .route(
            "console",
            r ->
                r.path(ConsoleLogin.CONSOLE_PATH, ConsoleLogin.CONSOLE_PATH + "/**")
                    .filters(f -> f.tokenRelay(ConsoleLogin.REGISTRATION))
                    // static files: a page that does not come within seconds is an error (504), not
                    // a browser left waiting
                    .metadata(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, 15_000)
                    .metadata(RouteMetadataUtils.CONNECT_TIMEOUT_ATTR, 2_000)
                    .uri(properties.auditService().consoleUrl()))
        .build();
  }
}
