package org.alliedexchange.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.alliedexchange.identity.admin.IdentityAdmin;
import org.alliedexchange.identity.admin.IdentityException;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import picocli.CommandLine.Option;

/**
 * How the identity commands reach Keycloak. Every option also comes from the environment, so the
 * administrator's password need not appear on a command line (where other users of the machine see
 * it).
 */
final class KeycloakOptions {

  @Option(
      names = "--keycloak",
      paramLabel = "URL",
      defaultValue = "${env:ALLIED_KEYCLOAK_URL}",
      description = "Keycloak's base URL (env ALLIED_KEYCLOAK_URL).")
  String url;

  @Option(
      names = "--realm",
      defaultValue = "allied",
      description = "The realm of the federation (default: ${DEFAULT-VALUE}).")
  String realm;

  @Option(
      names = "--admin-realm",
      defaultValue = "master",
      description = "The realm the administrator logs in to (default: ${DEFAULT-VALUE}).")
  String adminRealm;

  @Option(
      names = "--admin-user",
      paramLabel = "NAME",
      defaultValue = "${env:ALLIED_KEYCLOAK_ADMIN:-admin}",
      description = "The administrator (env ALLIED_KEYCLOAK_ADMIN; default admin).")
  String adminUser;

  @Option(
      names = "--admin-password-file",
      paramLabel = "FILE",
      description =
          "Read the administrator's password from FILE (else env ALLIED_KEYCLOAK_ADMIN_PASSWORD).")
  Path adminPasswordFile;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Federation configuration naming the nations (default: built in).")
  Path config;

  IdentityAdmin connect() {
    if (url == null || url.isBlank()) {
      throw IdentityException.refusal(
          "no Keycloak given: use --keycloak URL or set ALLIED_KEYCLOAK_URL "
              + "(`./allied identity local-keycloak` starts one and prints both)");
    }
    return IdentityAdmin.connect(
        URI.create(url.replaceAll("/+$", "")),
        realm,
        adminRealm,
        adminUser,
        password(),
        federation());
  }

  Federation federation() {
    return config == null ? FederationConfig.loadDefault() : FederationConfig.load(config);
  }

  private String password() {
    if (adminPasswordFile != null) {
      try {
        return Files.readString(adminPasswordFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw IdentityException.refusal(
            "cannot read --admin-password-file " + adminPasswordFile + ": " + e.getMessage());
      }
    }
    String fromEnv = System.getenv("ALLIED_KEYCLOAK_ADMIN_PASSWORD");
    if (fromEnv == null || fromEnv.isBlank()) {
      throw IdentityException.refusal(
          "no administrator password: set ALLIED_KEYCLOAK_ADMIN_PASSWORD or use --admin-password-file");
    }
    return fromEnv;
  }
}
