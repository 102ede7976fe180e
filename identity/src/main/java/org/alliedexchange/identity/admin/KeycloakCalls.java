package org.alliedexchange.identity.admin;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.function.Supplier;
import org.keycloak.admin.client.CreatedResponseUtil;

/**
 * Runs the admin calls to Keycloak, turning its HTTP and connection errors into one readable line.
 */
final class KeycloakCalls {

  private KeycloakCalls() {}

  /** Runs an admin call, turning Keycloak's HTTP errors into one readable line. */
  static <T> T call(String what, Supplier<T> action) {
    try {
      return action.get();
    } catch (IdentityException e) {
      throw e;
    } catch (WebApplicationException e) {
      Response response = e.getResponse();
      String body = "";
      try {
        body = response.hasEntity() ? response.readEntity(String.class) : "";
      } catch (RuntimeException ignored) {
        // the status alone will do
      }
      throw IdentityException.failure(
          "could not "
              + what
              + ": Keycloak answered "
              + response.getStatus()
              + (body.isBlank() ? "" : " " + body.strip()),
          e);
    } catch (jakarta.ws.rs.ProcessingException e) {
      throw IdentityException.failure(
          "could not " + what + ": cannot reach Keycloak (" + rootMessage(e) + ")", e);
    }
  }

  /**
   * The id of what a create call made; otherwise Keycloak's status and answer, read before the
   * response is closed (the realm's listener says there why it refused).
   */
  static String createdId(Response response, String what) {
    if (response.getStatus() == Response.Status.CREATED.getStatusCode()) {
      return CreatedResponseUtil.getCreatedId(response);
    }
    String body = "";
    try {
      body = response.hasEntity() ? response.readEntity(String.class) : "";
    } catch (RuntimeException ignored) {
      // the status alone will do
    }
    throw IdentityException.failure(
        "could not "
            + what
            + ": Keycloak answered "
            + response.getStatus()
            + (body.isBlank() ? "" : " " + body.strip()),
        null);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
