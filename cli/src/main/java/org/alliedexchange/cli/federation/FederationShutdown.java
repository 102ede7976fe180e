package org.alliedexchange.cli.federation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;

/**
 * The federation's shutdown order: the gateway first, then the audit service, the exchanges, their
 * databases, Keycloak and Redis; a part that fails to stop does not keep the others running.
 */
final class FederationShutdown {

  private FederationShutdown() {}

  /** Stops the parts in order, gateway first, Redis last, and removes the state file. */
  static void stopAll(
      Path dataDir,
      LocalRedis redis,
      LocalKeycloak keycloak,
      List<LocalPostgres> databases,
      List<AutoCloseable> services,
      ChildProcesses children) {
    // the services in stop order: gateway, audit service, exchange services
    services.forEach(FederationShutdown::closeQuietly);
    databases.forEach(FederationShutdown::closeQuietly);
    closeQuietly(keycloak);
    closeQuietly(redis);
    // all stopped: the watchdog has nothing left to do
    closeQuietly(children);
    try {
      Files.deleteIfExists(StateFile.of(dataDir));
    } catch (IOException ignored) {
      // a stale state file names a pid that no longer runs; `status` says so
    }
  }

  static void closeQuietly(AutoCloseable part) {
    try {
      if (part != null) {
        part.close();
      }
    } catch (Exception ignored) {
      // stopping: the other parts must still be stopped
    }
  }
}
