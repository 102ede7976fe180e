package org.alliedexchange.cli;

import picocli.CommandLine.Command;

/**
 * `allied identity ...`: the administrators' tools for nations' systems and people, in Keycloak.
 */
@Command(
    name = "identity",
    mixinStandardHelpOptions = true,
    description = {
      "Manage national systems and people in Keycloak. Every change is an audit event.",
      "Keycloak is named by --keycloak or ALLIED_KEYCLOAK_URL; the administrator by ALLIED_KEYCLOAK_ADMIN and "
          + "ALLIED_KEYCLOAK_ADMIN_PASSWORD (or --admin-password-file)."
    },
    subcommands = {
      IdentityOnboardCommand.class,
      IdentityAddPersonCommand.class,
      IdentityListCommand.class,
      IdentityShowCommand.class,
      IdentitySetClearanceCommand.class,
      IdentitySetCommunitiesCommand.class,
      IdentityRotateSecretCommand.class,
      IdentityDisableCommand.class,
      IdentityEnableCommand.class,
      LocalKeycloakCommand.class
    })
final class IdentityCommand {}
