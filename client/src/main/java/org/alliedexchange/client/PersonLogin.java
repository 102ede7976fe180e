package org.alliedexchange.client;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A person's login from a terminal: Keycloak's authorization code flow with PKCE (S256), by the
 * realm's public console client, with the person's username and password entered on Keycloak's own
 * login form (never sent anywhere else). The code is taken from the redirect without following it,
 * and exchanged with the verifier only this process holds. For auditors and administrators at a
 * terminal, and for the demo; a browser is the usual way (the auditor console).
 */
public final class PersonLogin {

  private static final Pattern FORM_ACTION =
      Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");
  private static final Pattern ERROR =
      Pattern.compile("<span[^>]*id=\"input-error[^\"]*\"[^>]*>\\s*([^<]+?)\\s*</span>");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private PersonLogin() {}

  /**
   * Logs {@code username} in and returns the access token.
   *
   * @param issuer the realm, e.g. http://127.0.0.1:8180/realms/allied
   * @param clientId the realm's public client, e.g. allied-console
   * @param redirectUri a redirect the client is registered for (it is never visited)
   */
  public static String login(
      URI issuer, String clientId, URI redirectUri, String username, String password) {
    String realm = issuer.toString().replaceAll("/+$", "");
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(verifier));
    byte[] stateBytes = new byte[16];
    RANDOM.nextBytes(stateBytes);
    String state = Base64.getUrlEncoder().withoutPadding().encodeToString(stateBytes);
    HttpClient http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    try {
      URI authorize =
          URI.create(
              realm
                  + "/protocol/openid-connect/auth?"
                  + form(
                      Map.of(
                          "client_id",
                          clientId,
                          "response_type",
                          "code",
                          "scope",
                          "openid",
                          "redirect_uri",
                          redirectUri.toString(),
                          "state",
                          state,
                          "code_challenge",
                          challenge,
                          "code_challenge_method",
                          "S256")));
      HttpResponse<String> page =
          http.send(HttpRequest.newBuilder(authorize).GET().build(), BoundedBody.ofString());
      Matcher action = FORM_ACTION.matcher(page.body());
      if (page.statusCode() != 200 || !action.find()) {
        throw new TokenSource.TokenException(
            "Keycloak did not show its login form (HTTP "
                + page.statusCode()
                + ") at "
                + authorize);
      }
      URI post = URI.create(action.group(1).replace("&amp;", "&"));
      // Keycloak's session cookies are marked Secure; a browser still returns them to 127.0.0.1
      // over http,
      // Java's cookie store does not, so they are carried by hand from the form's page to its post
      String cookies =
          page.headers().allValues("Set-Cookie").stream()
              .map(cookie -> cookie.split(";", 2)[0])
              .collect(Collectors.joining("; "));
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(post)
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .header("Cookie", cookies)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          form(
                              Map.of(
                                  "username", username, "password", password, "credentialId", ""))))
                  .build(),
              BoundedBody.ofString());
      String location = answer.headers().firstValue("Location").orElse("");
      if (answer.statusCode() != 302
          || !location.startsWith(redirectUri.toString().replaceAll("/+$", ""))) {
        Matcher error = ERROR.matcher(answer.body());
        throw new TokenSource.TokenException(
            "Keycloak refused the login of "
                + username
                + (error.find()
                    ? ": " + error.group(1).trim()
                    : " (HTTP " + answer.statusCode() + ")"));
      }
      Map<String, String> query =
          java.util.Arrays.stream(URI.create(location).getRawQuery().split("&"))
              .map(pair -> pair.split("=", 2))
              .filter(pair -> pair.length == 2)
              .collect(
                  Collectors.toMap(
                      pair -> pair[0],
                      pair -> java.net.URLDecoder.decode(pair[1], StandardCharsets.UTF_8),
                      (a, b) -> a));
      if (!state.equals(query.get("state")) || query.get("code") == null) {
        throw new TokenSource.TokenException("Keycloak's redirect carried no code for this login");
      }
      HttpResponse<String> token =
          http.send(
              HttpRequest.newBuilder(URI.create(realm + "/protocol/openid-connect/token"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          form(
                              Map.of(
                                  "grant_type",
                                  "authorization_code",
                                  "code",
                                  query.get("code"),
                                  "redirect_uri",
                                  redirectUri.toString(),
                                  "client_id",
                                  clientId,
                                  "code_verifier",
                                  verifier))))
                  .build(),
              BoundedBody.ofString());
      JsonNode body = JSON.readTree(token.body());
      if (token.statusCode() != 200 || body.path("access_token").isMissingNode()) {
        throw new TokenSource.TokenException(
            "Keycloak refused the code of "
                + username
                + ": "
                + body.path("error_description").asString(token.body()));
      }
      return body.path("access_token").asString();
    } catch (IOException e) {
      throw new TokenSource.TokenException(
          "cannot reach Keycloak at " + realm + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenSource.TokenException("interrupted while logging " + username + " in");
    }
  }

  private static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
