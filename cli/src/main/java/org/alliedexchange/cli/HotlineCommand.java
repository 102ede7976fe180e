package org.alliedexchange.cli;

import picocli.CommandLine.Command;

/** `allied hotline ...`: the crisis hotline for its members, on their own nation's node. */
@Command(
    name = "hotline",
    mixinStandardHelpOptions = true,
    description = {
      "The trilateral crisis hotline, as a member (a principal, adviser or watch officer) on the own nation's node.",
      "Each subcommand logs the person in with --user NAME (as `./allied login`), or takes a token from "
          + "--token-file or ALLIED_TOKEN. Exit 0 done, 1 refused or unreachable (the gRPC status and message), "
          + "2 unusable input."
    },
    subcommands = {
      HotlineConferencesCommand.class,
      HotlineSendCommand.class,
      HotlineWatchCommand.class,
      HotlineAckCommand.class,
      HotlineStatusCommand.class,
      HotlineAckAlarmCommand.class
    })
final class HotlineCommand {}
