package org.alliedexchange.cli;

import picocli.CommandLine.Command;

/** `allied policy ...`: the releasability engine from the command line. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Ask the releasability engine.",
    subcommands = {PolicyDecideCommand.class})
final class PolicyCommand {}
