package org.alliedexchange.gateway.auditors;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.web.server.AuthenticatedPrincipalServerOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.client.web.server.ServerOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;

/**
 * The browser login at the gateway, shared by the auditor console ({@code /console/}) and the
 * hotline page ({@code /hotline/}), each of which then serves only the role it is for. The auditor
 * console's login at the gateway: Keycloak's authorization code flow with PKCE, by the realm's
 * public console client (no client secret exists to leak). The session holds the auditor's tokens;
 * the console's page is fetched from the audit service with the access token relayed, and the
 * page's calls to the auditors' API ({@link AuditorApi}) are made with the same token, refreshed
 * when it expires ({@link ConsoleSessionTokens}). The paths it covers are secured by {@link
 * ConsoleSecurity}; the calls to Keycloak are bounded by {@link KeycloakLoginCalls}.
 */
public final class ConsoleLogin {

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

  /**
   * The hotline members' page, on the same login: one realm client, one session, whichever page the
   * person came to is where the login returns.
   */
  public static final String HOTLINE_PATH = "/hotline";

  public static final String HOTLINE_LOGOUT_PATH = HOTLINE_PATH + "/logout";

  /** The hotline page's JSON API, which takes bearer tokens too (like the auditors' API). */
  public static final String HOTLINE_API_PATH = HOTLINE_PATH + "/api";

  private final ReactiveClientRegistrationRepository registrations;
  private final ReactiveOAuth2AuthorizedClientService clients;
  private final ReactiveOAuth2AuthorizedClientManager manager;
  private final ReactiveAuthenticationManager logins;
  private final LoginRequestCookie loginRequests;

  /**
   * @param issuer the realm's issuer, e.g. http://127.0.0.1:8081/realms/allied
   * @param jwks the realm's keys
   * @param clientId the realm's public client for the console
   * @param keycloakTimeout how long any one call to Keycloak may take before the login is refused
   */
  public ConsoleLogin(URI issuer, URI jwks, String clientId, Duration keycloakTimeout) {
    this(issuer, jwks, clientId, keycloakTimeout, new LoginRequestCookie(Clock.systemUTC()));
  }

  /**
   * @param loginRequests where pending logins are sealed: under a key shared by every replica when
   *     more than one serves the console
   */
  public ConsoleLogin(
      URI issuer,
      URI jwks,
      String clientId,
      Duration keycloakTimeout,
      LoginRequestCookie loginRequests) {
    this.loginRequests = loginRequests;
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
                Map.of("end_session_endpoint", realm + "/protocol/openid-connect/logout"))
            .clientName("Keycloak")
            .build();
    this.registrations = new InMemoryReactiveClientRegistrationRepository(registration);
    this.clients = new InMemoryReactiveOAuth2AuthorizedClientService(registrations);

    KeycloakLoginCalls keycloak = new KeycloakLoginCalls(registration, jwks, keycloakTimeout);
    this.logins = keycloak.logins();

    AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager manager =
        new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(registrations, clients);
    manager.setAuthorizedClientProvider(
        ReactiveOAuth2AuthorizedClientProviderBuilder.builder()
            .authorizationCode()
            .refreshToken(refresh -> refresh.accessTokenResponseClient(keycloak.refreshes()))
            .build());
    this.manager = manager;
  }

  /**
   * The login's authentication: the code exchange, the ID token, and the user, each call to
   * Keycloak bounded.
   */
  public ReactiveAuthenticationManager logins() {
    return logins;
  }

  /** Pending logins, each in the browser's sealed cookie, none on the gateway. */
  public LoginRequestCookie loginRequests() {
    return loginRequests;
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
}
