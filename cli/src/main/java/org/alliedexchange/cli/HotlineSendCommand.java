package org.alliedexchange.cli;

import io.grpc.Status;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.ListConferencesRequest;
import org.alliedexchange.api.hotline.v1.ListConferencesResponse;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.SendRequest;
import org.alliedexchange.api.hotline.v1.SendResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.NationalScheme;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `allied hotline send`: a formal message to a conference, labelled in the sender's own national
 * marking (as `allied publish` labels a product): releasable to the conference's nations, the level
 * the marking stands for. Prints the message id.
 */
@Command(
    name = "send",
    mixinStandardHelpOptions = true,
    description = {
      "Send a message to a conference; prints its id. Refused, with the party and the reason, when any party may "
          + "not receive it: nothing is delivered to some parties and not others.",
      "The marking is in your nation's scheme (군사II급비밀, 極秘, SECRET ...); the message is releasable to the "
          + "conference's nations."
    })
final class HotlineSendCommand extends HotlineMemberCommand {

  /** The longest text the node accepts, in characters. */
  static final int MAX_TEXT = 16_384;

  @Option(
      names = "--conference",
      required = true,
      paramLabel = "C",
      description = "e.g. JPN-KOR-USA.")
  String conference;

  @Option(
      names = "--precedence",
      required = true,
      paramLabel = "P",
      description = "ROUTINE, PRIORITY, IMMEDIATE, FLASH or FLASH_OVERRIDE (principals only).")
  String precedence;

  @Option(
      names = "--marking",
      required = true,
      paramLabel = "M",
      description = "The classification marking in your nation's scheme.")
  String marking;

  @Option(names = "--text", required = true, paramLabel = "T", description = "The message.")
  String text;

  @Option(names = "--drill", description = "A drill message, marked so on every screen and record.")
  boolean drill;

  @Option(names = "--exercise", description = "An exercise message, marked so everywhere.")
  boolean exercise;

  @Option(
      names = "--idempotency-key",
      paramLabel = "KEY",
      description =
          "Sending again with the same key returns the first message instead of a second.")
  String idempotencyKey;

  @Override
  void run(Node node, PrintWriter out) throws MalformedInputException {
    Precedence chosen = precedence(precedence);
    if (drill && exercise) {
      throw new MalformedInputException("--drill and --exercise: a message is one or the other");
    }
    if (text.isEmpty() || text.length() > MAX_TEXT) {
      throw new MalformedInputException("--text: 1 to " + MAX_TEXT + " characters");
    }
    NationalScheme scheme = FederationConfig.loadDefault().nation(node.nation());
    Level level = scheme == null ? null : scheme.levelOf(marking.trim());
    if (level == null) {
      throw new MalformedInputException(
          "--marking \""
              + HotlineOutput.safe(marking)
              + "\" is not a marking of "
              + node.nation()
              + "'s scheme"
              + (scheme == null ? "" : "; use one of " + scheme.markingsByLevel().values()));
    }
    Conference target = conference(node, conference.trim());
    SendRequest request =
        SendRequest.newBuilder()
            .setLabel(
                SecurityLabel.newBuilder()
                    .setPolicy(node.nation())
                    .setLevel(ClassificationLevel.valueOf("CLASSIFICATION_LEVEL_" + level.name()))
                    .setMarking(marking.trim())
                    .setOriginator(node.nation())
                    .addAllReleasableTo(target.getNationsList()))
            .setConference(target.getId())
            .setPrecedence(chosen)
            .setType(
                drill
                    ? MessageType.MESSAGE_TYPE_DRILL
                    : exercise
                        ? MessageType.MESSAGE_TYPE_EXERCISE
                        : MessageType.MESSAGE_TYPE_OPERATION)
            .setText(text)
            .setIdempotencyKey(
                idempotencyKey != null ? idempotencyKey : UUID.randomUUID().toString())
            .build();
    SendResponse sent = node.blocking().send(request);
    print(out, sent, sent.getMessage().getId());
  }

  /** FLASH, flash, FLASH_OVERRIDE, "FLASH OVERRIDE", flash-override. */
  static Precedence precedence(String given) throws MalformedInputException {
    String name = given.trim().toUpperCase(Locale.ROOT).replace(' ', '_').replace('-', '_');
    for (Precedence precedence : Precedence.values()) {
      if (precedence != Precedence.PRECEDENCE_UNSPECIFIED
          && precedence != Precedence.UNRECOGNIZED
          && precedence.name().equals("PRECEDENCE_" + name)) {
        return precedence;
      }
    }
    throw new MalformedInputException(
        "--precedence \""
            + HotlineOutput.safe(given)
            + "\": use one of "
            + List.of("ROUTINE", "PRIORITY", "IMMEDIATE", "FLASH", "FLASH_OVERRIDE"));
  }

  private static Conference conference(Node node, String id) {
    Iterator<ListConferencesResponse> conferences =
        node.blocking().listConferences(ListConferencesRequest.getDefaultInstance());
    Conference found = null;
    while (conferences.hasNext()) {
      Conference conference = conferences.next().getConference();
      if (conference.getId().equals(id)) {
        found = conference;
      }
    }
    if (found == null) {
      throw Status.NOT_FOUND
          .withDescription(
              "no conference "
                  + id
                  + " of yours on "
                  + node.nation()
                  + "'s node (`allied hotline conferences`)")
          .asRuntimeException();
    }
    return found;
  }
}
