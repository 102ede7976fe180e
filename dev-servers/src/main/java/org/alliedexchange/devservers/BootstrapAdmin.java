package org.alliedexchange.devservers;

import java.util.Map;
import java.util.Properties;

/**
 * The master realm's first administrator, whom Keycloak creates at its first start from its
 * environment: generated for a fresh data directory and kept there with the realm's secrets, so a
 * later start on the same data logs in as the administrator its database already holds.
 */
record BootstrapAdmin(String username, String password) {

  private static final String USERNAME = "ADMIN_USERNAME";
  private static final String PASSWORD = "ADMIN_PASSWORD";

  /** The administrator kept in {@code kept}, else a new one named admin with a random password. */
  static BootstrapAdmin keptIn(Properties kept) {
    return new BootstrapAdmin(
        kept.getProperty(USERNAME, "admin"), kept.getProperty(PASSWORD, RealmImport.secret(24)));
  }

  void keepIn(Properties toKeep) {
    toKeep.setProperty(USERNAME, username);
    toKeep.setProperty(PASSWORD, password);
  }

  /** The environment variables Keycloak reads it from. */
  void passTo(Map<String, String> environment) {
    environment.put("KC_BOOTSTRAP_ADMIN_USERNAME", username);
    environment.put("KC_BOOTSTRAP_ADMIN_PASSWORD", password);
  }
}
