package org.alliedexchange.client;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OAuth2 client-credentials grant against a Keycloak realm: how a national system gets its
 * token.
 */
public final class ClientCredentials {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  // HTTP/1.1: over HTTP/2 the JDK's client fails a request beyond the server's concurrent-stream
  // limit ("too many concurrent streams") instead of queueing it
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /**
   * At most this many token requests of this process at once, over all client ids; the others wait
   * their turn (each request still has its own timeout), so many at once never fail for being many.
   * A request waiting its turn holds no thread.
   */
  static final int CONCURRENT_REQUESTS = 8;

  private static final AsyncLimit IN_FLIGHT = new AsyncLimit(CONCURRENT_REQUESTS);

  private ClientCredentials() {}

  /** A token, or the refusal Keycloak gave. */
  public record TokenResponse(
      int status, String accessToken, long expiresIn, String error, String errorDescription) {
    public boolean granted() {
      return status == 200 && accessToken != null;
    }
  }

  /** Asks the token endpoint for a token; never throws for a refusal, only for a failure to ask. */
  public static TokenResponse request(URI tokenEndpoint, String clientId, String clientSecret) {
    try {
      return requestAsync(tokenEndpoint, clientId, clientSecret).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + tokenEndpoint, e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IllegalStateException failure
          ? failure
          : new IllegalStateException(e.getCause());
    }
  }

  /**
   * As {@link #request}, holding no thread while it waits its turn or for the answer; a failure to
   * ask completes the future with an {@link IllegalStateException}.
   */
  public static CompletableFuture<TokenResponse> requestAsync(
      URI tokenEndpoint, String clientId, String clientSecret) {
    String form =
        "grant_type=client_credentials&client_id="
            + encode(clientId)
            + "&client_secret="
            + encode(clientSecret);
    HttpRequest request =
        HttpRequest.newBuilder(tokenEndpoint)
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build();
    return IN_FLIGHT
        .run(() -> HTTP.sendAsync(request, BoundedBody.ofString()))
        .handle(
            (response, failure) -> {
              if (failure != null) {
                Throwable cause = AsyncLimit.cause(failure);
                throw new IllegalStateException(
                    "cannot reach the token endpoint " + tokenEndpoint + ": " + cause.getMessage(),
                    cause);
              }
              JsonNode body = parse(response.body());
              return new TokenResponse(
                  response.statusCode(),
                  text(body, "access_token"),
                  body.path("expires_in").asLong(0),
                  text(body, "error"),
                  text(body, "error_description"));
            });
  }

  /**
   * The claims of a JWT, read without verifying it: for showing a token, never for trusting one.
   */
  public static JsonNode unverifiedClaims(String jwt) {
    String[] parts = jwt.split("\\.");
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a JWT: expected three dot-separated parts");
    }
    return parse(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json == null || json.isBlank() ? "{}" : json);
    } catch (JacksonException e) {
      return JSON.createObjectNode();
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asString();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
  }
}
