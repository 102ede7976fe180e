package org.alliedexchange.identity.admin;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.function.Supplier;

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

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
