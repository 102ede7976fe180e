package org.alliedexchange.hotline.line;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.hotline.domain.ConferenceBook;
import org.alliedexchange.label.WireMapping;

/** A node as the supervision sees it, recording what the supervision does to it. */
final class FakeNode implements NodeOperations {

  final String nation;
  final Clock clock;
  final List<Conference> conferences;
  final Map<String, LongSupplier> probes = new HashMap<>();
  final Map<String, List<RelayItemDigest>> items = new HashMap<>();
  final List<HotlineMessage> sentTests = new ArrayList<>();
  final List<HotlineEvent> audits = new ArrayList<>();
  final List<PeerLink> publishedLinks = new ArrayList<>();
  final List<Alarm> publishedAlarms = new ArrayList<>();
  boolean auditDown;
  long serial;

  FakeNode(String nation, Clock clock) {
    this.nation = nation;
    this.clock = clock;
    this.conferences = ConferenceBook.loadBuiltIn().ofNation(nation);
  }

  /** Every peer answers in {@code micros}. */
  FakeNode answering(long micros) {
    for (Conference conference : conferences) {
      conference.getNationsList().stream()
          .filter(n -> !n.equals(nation))
          .forEach(peer -> probes.put(peer, () -> micros));
    }
    return this;
  }

  void cut(String peer) {
    probes.put(
        peer,
        () -> {
          throw new IllegalStateException("UNAVAILABLE: " + peer + " does not answer");
        });
  }

  @Override
  public String nation() {
    return nation;
  }

  @Override
  public List<Conference> conferences() {
    return conferences;
  }

  @Override
  public HotlineMessage sendLineTest(String conference, String text) {
    HotlineMessage test =
        HotlineMessage.newBuilder()
            .setId(UUID.randomUUID().toString())
            .setConference(conference)
            .setOrigin(nation)
            .setSender(nation.toLowerCase() + "-hotline")
            .setPrecedence(Precedence.PRECEDENCE_PRIORITY)
            .setSerial(++serial)
            .setText(text)
            .setLineTest(true)
            .setAcceptedAt(WireMapping.timestamp(clock.instant()))
            .build();
    sentTests.add(test);
    return test;
  }

  @Override
  public List<RelayItemDigest> conferenceItems(String conference) {
    return List.copyOf(items.getOrDefault(conference, List.of()));
  }

  @Override
  public long backlogFor(String peer) {
    return 7;
  }

  @Override
  public void publish(PeerLink link) {
    publishedLinks.add(link);
  }

  @Override
  public void publish(Alarm alarm) {
    publishedAlarms.add(alarm);
  }

  @Override
  public void audit(HotlineEvent event) {
    if (auditDown) {
      throw new IllegalStateException("UNAVAILABLE: the audit stream cannot be written");
    }
    audits.add(event);
  }

  @Override
  public long probe(String peer, Duration timeout) {
    LongSupplier answer = probes.get(peer);
    if (answer == null) {
      throw new IllegalStateException("UNAVAILABLE: no route to " + peer);
    }
    return answer.getAsLong();
  }

  List<HotlineEvent> audits(HotlineEvent.Kind kind) {
    return audits.stream().filter(e -> e.getKind() == kind).toList();
  }

  List<String> alarmSteps(String alarmId) {
    return audits(HotlineEvent.Kind.ALARM).stream()
        .filter(e -> e.getAlarmId().equals(alarmId))
        .map(HotlineEvent::getAlarmStep)
        .toList();
  }
}
