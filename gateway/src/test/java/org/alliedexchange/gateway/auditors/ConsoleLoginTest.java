package org.alliedexchange.gateway.auditors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthorizationCodeAuthenticationToken;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationExchange;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationResponse;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;

/** The console's login against a Keycloak that accepts connections and never answers. */
class ConsoleLoginTest {

  ServerSocket stalled;
  final List<Socket> held = new ArrayList<>();
  Thread acceptor;

  @BeforeEach
  void startAStalledKeycloak() throws Exception {
    stalled = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor =
        new Thread(
            () -> {
              while (!stalled.isClosed()) {
                try {
                  held.add(stalled.accept()); // read nothing, answer nothing
                } catch (java.io.IOException e) {
                  return;
                }
              }
            },
            "stalled-keycloak");
    acceptor.start();
  }

  @AfterEach
  void stop() throws Exception {
    stalled.close();
    for (Socket socket : held) {
      socket.close();
    }
    acceptor.join(5_000);
  }

  @Test
  void aLoginIsRefusedInBoundedTimeWhenKeycloakDoesNotAnswer() {
    URI issuer = URI.create("http://127.0.0.1:" + stalled.getLocalPort() + "/realms/allied");
    ConsoleLogin login =
        new ConsoleLogin(
            issuer,
            URI.create(issuer + "/protocol/openid-connect/certs"),
            "allied-console",
            Duration.ofMillis(500));
    ClientRegistration registration =
        login.registrations().findByRegistrationId(ConsoleLogin.REGISTRATION).block();
    String redirect = "http://127.0.0.1:8443/login/oauth2/code/keycloak";
    OAuth2AuthorizationRequest request =
        OAuth2AuthorizationRequest.authorizationCode()
            .authorizationUri(registration.getProviderDetails().getAuthorizationUri())
            .clientId("allied-console")
            .redirectUri(redirect)
            .scopes(Set.of("openid"))
            .state("state-1")
            .attributes(
                attributes ->
                    attributes.put(OAuth2ParameterNames.REGISTRATION_ID, ConsoleLogin.REGISTRATION))
            .build();
    OAuth2AuthorizationResponse response =
        OAuth2AuthorizationResponse.success("code-1")
            .redirectUri(redirect)
            .state("state-1")
            .build();

    long started = System.nanoTime();
    // without the bound, Spring's default client waits forever and this block gives up with
    // IllegalStateException
    assertThatThrownBy(
            () ->
                login
                    .logins()
                    .authenticate(
                        new OAuth2AuthorizationCodeAuthenticationToken(
                            registration, new OAuth2AuthorizationExchange(request, response)))
                    .block(Duration.ofSeconds(10)))
        .isInstanceOf(OAuth2AuthenticationException.class)
        .hasMessageContaining("Keycloak did not answer within 500 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(held).as("the token request reached the stalled realm").isNotEmpty();
  }
}
