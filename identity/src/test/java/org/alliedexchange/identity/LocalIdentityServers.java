package org.alliedexchange.identity;

import java.nio.file.Files;
import java.nio.file.Path;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real Redis (the audit stream) and a real Keycloak (the realm, with the audit listener)
 * once for all the integration tests of this JVM, and stops both when they are done.
 */
public final class LocalIdentityServers implements BeforeAllCallback {

  private static Servers servers;

  /** What the tests reach. */
  public record Servers(LocalRedis redis, LocalKeycloak keycloak, Path redisData)
      implements AutoCloseable {
    @Override
    public void close() {
      keycloak.close();
      redis.close();
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    synchronized (LocalIdentityServers.class) {
      if (servers == null) {
        Path redisData = Files.createTempDirectory("allied-redis-");
        LocalRedis redis = LocalRedis.start(redisData);
        // the listener as its own Redis user, so a command its ACL lacks fails the identity tests
        LocalKeycloak keycloak =
            LocalKeycloak.builder()
                .auditRedis(redis.url(LocalRedis.User.IDENTITY_LISTENER))
                .start();
        servers = new Servers(redis, keycloak, redisData);
        context
            .getRoot()
            .getStore(ExtensionContext.Namespace.GLOBAL)
            .put(
                LocalIdentityServers.class.getName(),
                (ExtensionContext.Store.CloseableResource) servers::close);
      }
    }
  }

  public static Servers servers() {
    if (servers == null) {
      throw new IllegalStateException(
          "annotate the test with @ExtendWith(LocalIdentityServers.class)");
    }
    return servers;
  }
}
