package org.alliedexchange.cli;

import static org.alliedexchange.cli.DemoNarrator.expect;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.alliedexchange.api.hotline.v1.AcknowledgeRequest;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.ReceiptState;
import org.alliedexchange.api.hotline.v1.SendRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.client.AlliedClient;

/**
 * The demo's hotline scene, on the trilateral conference: traffic and receipts per party, then
 * Japan's line cut while Korea sends (its node stopped) and restored: the FLASH overtakes the
 * queued ROUTINE traffic, the backlog arrives marked delayed, nothing lost and nothing twice. Each
 * screen is a person's watch, shown as `allied hotline watch` prints it.
 */
final class DemoHotline {

  static final String CONFERENCE = "JPN-KOR-USA";

  /** How long an event may take to show on a screen when every link is up. */
  private static final Duration LIVE = Duration.ofSeconds(15);

  /** How long Japan's node may take to start again and catch up. */
  private static final Duration CATCH_UP = Duration.ofSeconds(90);

  /** Longer than the nodes' delay threshold (5 s), so the backlog is marked delayed. */
  private static final Duration CUT = Duration.ofSeconds(6);

  private final DemoFederation federation;
  private final DemoNarrator narrator;

  DemoHotline(DemoFederation federation, DemoNarrator narrator) {
    this.federation = federation;
    this.narrator = narrator;
  }

  void play(int step) throws Exception {
    AlliedClient korWatch = federation.person("kor-watch-officer");
    AlliedClient korPrincipal = federation.person("kor-principal");
    AlliedClient jpnWatch = federation.person("jpn-watch-officer");
    AlliedClient usaWatch = federation.person("usa-watch-officer");

    narrator.say(
        step,
        "The trilateral hotline ("
            + CONFERENCE
            + "): Korea's principal, and Japan's and the USA's watch officers, open their screens.");
    DemoHotlineWatch korea = federation.watch("kor-principal", korPrincipal, "KOR", CONFERENCE, "");
    DemoHotlineWatch japan = federation.watch("jpn-watch-officer", jpnWatch, "JPN", CONFERENCE, "");
    DemoHotlineWatch usa = federation.watch("usa-watch-officer", usaWatch, "USA", CONFERENCE, "");
    // the sessions are open before anything is sent (a watch from now on shows what comes after)
    Thread.sleep(1_000);
    String opening =
        send(
            korWatch,
            Precedence.PRECEDENCE_ROUTINE,
            "군사III급비밀",
            "Trilateral line open. Watch check.");
    for (DemoHotlineWatch screen : List.of(japan, usa)) {
      WatchResponse shown =
          screen.expect(message(opening), LIVE, "Korea's opening message did not arrive");
      narrator.show(HotlineOutput.event(shown));
    }
    jpnWatch
        .hotline("JPN")
        .acknowledge(AcknowledgeRequest.newBuilder().setMessageId(opening).build());
    usaWatch
        .hotline("USA")
        .acknowledge(AcknowledgeRequest.newBuilder().setMessageId(opening).build());
    for (String party : List.of("JPN", "USA")) {
      WatchResponse receipt =
          korea.find(
              receipt(opening, party, ReceiptState.RECEIPT_STATE_ACKNOWLEDGED),
              LIVE,
              party + "'s acknowledgement did not reach Korea");
      narrator.show("Korea sees " + HotlineOutput.event(receipt));
    }
    narrator.show(
        "Korea's screen showed every party's receipt as it changed: "
            + receiptsShown(korea, opening));

    narrator.say(
        step + 1,
        "Japan's line is cut (its hotline node stops). Korea's watch officer sends three ROUTINE messages,"
            + " then Korea's principal a FLASH.");
    String japanResumesAfter = japan.cursor();
    japan.close();
    federation.hotlineNode("JPN", "stop");
    Instant cut = Instant.now();
    List<String> routine = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      routine.add(
          send(
              korWatch,
              Precedence.PRECEDENCE_ROUTINE,
              "군사III급비밀",
              "Routine situation report " + i + "."));
    }
    String flash =
        send(
            korPrincipal,
            Precedence.PRECEDENCE_FLASH,
            "군사II급비밀",
            "FLASH: ballistic missile launch detected. Confer now.");
    for (String id : concat(routine, flash)) {
      usa.find(message(id), LIVE, "the USA did not receive " + id + " while Japan's line was cut");
    }
    narrator.show("The USA received all four at once; Japan's are held at Korea's node.");
    narrator.show(
        "Korea sees JPN's state of the FLASH: "
            + latestState(korea, flash, "JPN")
            + " (nothing reaches a node that is down)");
    Duration waited = Duration.between(cut, Instant.now());
    if (waited.compareTo(CUT) < 0) {
      Thread.sleep(CUT.minus(waited).toMillis());
    }

    narrator.say(
        step + 2,
        "Japan's line is restored: its node starts again and catches up; its watch officer resumes from the last cursor.");
    federation.hotlineNode("JPN", "start");
    DemoHotlineWatch japanAgain =
        federation.watch(
            "jpn-watch-officer",
            federation.person("jpn-watch-officer"),
            "JPN",
            CONFERENCE,
            japanResumesAfter);
    List<HotlineMessage> backlog = new ArrayList<>();
    List<String> expected = concat(routine, flash);
    while (backlog.size() < expected.size()) {
      WatchResponse shown =
          japanAgain.expect(
              // the line's own test goes round at the top of each hour: it is not Korea's traffic
              e -> e.hasMessage() && !e.getMessage().getLineTest(),
              CATCH_UP,
              "Japan's backlog stopped after " + backlog.size() + " of 4");
      narrator.show(HotlineOutput.event(shown));
      backlog.add(shown.getMessage());
    }
    List<String> arrived = backlog.stream().map(HotlineMessage::getId).toList();
    expect(
        arrived.containsAll(expected) && arrived.size() == expected.size(),
        "Japan's backlog is not Korea's four messages, each once: " + arrived);
    expect(
        arrived.get(0).equals(flash),
        "the FLASH did not overtake the queued ROUTINE traffic: Japan got " + arrived);
    expect(
        arrived.subList(1, 4).equals(routine),
        "the ROUTINE backlog did not arrive in Korea's order: " + arrived);
    expect(
        backlog.stream().allMatch(HotlineMessage::getDelayed),
        "a late message was not marked delayed");
    // one of these four again is "twice"; anything else (the hourly line test, say) is not
    expect(
        japanAgain.next(
                e -> e.hasMessage() && arrived.contains(e.getMessage().getId()),
                Duration.ofSeconds(2))
            == null,
        "Japan was shown a message twice");
    narrator.show(
        "The FLASH overtook the queued ROUTINE traffic; the ROUTINE arrived in order; all four marked"
            + " DELAYED; nothing lost, nothing twice.");
    federation
        .person("jpn-principal")
        .hotline("JPN")
        .acknowledge(AcknowledgeRequest.newBuilder().setMessageId(flash).build());
    federation
        .person("usa-principal")
        .hotline("USA")
        .acknowledge(AcknowledgeRequest.newBuilder().setMessageId(flash).build());
    for (String party : List.of("JPN", "USA")) {
      WatchResponse receipt =
          korea.find(
              receipt(flash, party, ReceiptState.RECEIPT_STATE_ACKNOWLEDGED),
              CATCH_UP,
              party + "'s acknowledgement of the FLASH did not reach Korea");
      narrator.show("Korea sees " + HotlineOutput.event(receipt));
    }
  }

  private static String send(
      AlliedClient person, Precedence precedence, String marking, String text) {
    return person
        .hotline("KOR")
        .send(
            SendRequest.newBuilder()
                .setLabel(
                    SecurityLabel.newBuilder()
                        .setPolicy("KOR")
                        .setLevel(
                            marking.equals("군사II급비밀")
                                ? ClassificationLevel.CLASSIFICATION_LEVEL_SECRET
                                : ClassificationLevel.CLASSIFICATION_LEVEL_CONFIDENTIAL)
                        .setMarking(marking)
                        .setOriginator("KOR")
                        .addAllReleasableTo(List.of("JPN", "KOR", "USA")))
                .setConference(CONFERENCE)
                .setPrecedence(precedence)
                .setType(MessageType.MESSAGE_TYPE_OPERATION)
                .setText(text)
                .setIdempotencyKey(UUID.randomUUID().toString())
                .build())
        .getMessage()
        .getId();
  }

  private static java.util.function.Predicate<WatchResponse> message(String id) {
    return e -> e.hasMessage() && e.getMessage().getId().equals(id);
  }

  private static java.util.function.Predicate<WatchResponse> receipt(
      String id, String party, ReceiptState state) {
    return e ->
        e.hasReceipt()
            && e.getReceipt().getMessageId().equals(id)
            && e.getReceipt().getParty().equals(party)
            && e.getReceipt().getState() == state;
  }

  /** The receipt states a screen showed for one message, per party in order. */
  private static String receiptsShown(DemoHotlineWatch screen, String id) {
    StringBuilder shown = new StringBuilder();
    for (String party : List.of("JPN", "USA")) {
      List<String> states =
          screen.seen().stream()
              .filter(e -> e.hasReceipt() && e.getReceipt().getMessageId().equals(id))
              .filter(e -> e.getReceipt().getParty().equals(party))
              .map(e -> HotlineOutput.name(e.getReceipt().getState()))
              .toList();
      shown.append(shown.length() == 0 ? "" : "; ").append(party).append(' ').append(states);
    }
    return shown.toString();
  }

  private static String latestState(DemoHotlineWatch screen, String id, String party)
      throws InterruptedException {
    // what has come so far, without waiting for anything in particular
    screen.next(e -> false, Duration.ofMillis(500));
    String state = "no receipt (ACCEPTED at Korea's node only)";
    for (WatchResponse e : screen.seen()) {
      if (e.hasReceipt()
          && e.getReceipt().getMessageId().equals(id)
          && e.getReceipt().getParty().equals(party)) {
        state = HotlineOutput.name(e.getReceipt().getState());
      }
    }
    expect(
        !state.equals("RELAYED") && !state.equals("DELIVERED") && !state.equals("ACKNOWLEDGED"),
        "Korea's node says " + party + " has the FLASH, though its node is down");
    return state;
  }

  private static List<String> concat(List<String> first, String last) {
    List<String> all = new ArrayList<>(first);
    all.add(last);
    return all;
  }
}
