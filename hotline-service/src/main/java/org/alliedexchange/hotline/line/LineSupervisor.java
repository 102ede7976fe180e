package org.alliedexchange.hotline.line;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.ChainHead;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.EscalationLevel;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.LinkState;
import org.alliedexchange.api.hotline.v1.Member;
import org.alliedexchange.api.hotline.v1.MemberRole;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.Receipt;
import org.alliedexchange.api.hotline.v1.ReceiptState;
import org.alliedexchange.label.WireMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The line's supervision on one node, plain Java driven by a clock and a scheduler.
 *
 * <ul>
 *   <li>Probes each peer every probe interval: GREEN when answered within the slow bound, AMBER
 *       when slow or after one or two misses, RED after {@value LineSettings#MISSES_FOR_RED} misses
 *       in a row. Each change is audited (LINK_STATE), kept and shown to the watch sessions.
 *   <li>Sends a line test into each conference in its turn ({@link LineTestSchedule}), after
 *       signing its chain head; every other party owes an acknowledgement within test-ack-within.
 *   <li>Compares each peer's signed chain head with its own over the same positions.
 *   <li>Watches the acknowledgements owed for FLASH, FLASH OVERRIDE and IMMEDIATE messages.
 *   <li>Raises alarms that repeat and escalate, watch officer, adviser, principal, until a member
 *       of this nation at or above the alarm's level acknowledges it.
 * </ul>
 *
 * Who watches which acknowledgement: the origin's node watches every recipient party's, a
 * recipient's node its own party's, so both the sender's and the late party's people are told.
 * Every step is audited before it takes effect; a step whose audit fails is tried again at the next
 * tick. One lock guards the state; calls to peers (probes, sends) are made outside it.
 */
public final class LineSupervisor implements LineSupervision {

  private static final Logger LOG = LoggerFactory.getLogger(LineSupervisor.class);

  /** Messages accepted longer ago than this are history, not owed acknowledgements. */
  static final Duration HISTORY = Duration.ofDays(1);

  /** How long probes are kept. */
  static final Duration PROBES_KEPT = Duration.ofDays(30);

  /** A peer's head this node cannot compare yet is retried this long, then given up (audited). */
  static final Duration HEAD_PATIENCE = Duration.ofHours(1);

  /** How far ahead of this node's clock a peer may sign a head. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private final NodeOperations node;
  private final LineStore store;
  private final ChainHeads chainHeads;
  private final LineSettings settings;
  private final LineScheduler scheduler;
  private final Clock clock;
  private final LineTestSchedule schedule;
  private final String nation;
  private final String system;

  private final Map<String, Link> links = new TreeMap<>();
  private final Map<String, StoredAlarm> open = new LinkedHashMap<>();
  private final Map<String, AckDeadline> deadlines = new HashMap<>();
  private final Map<String, Long> lastSlots = new HashMap<>();
  private final Map<String, PeerHead> waitingHeads = new HashMap<>();
  private Instant lastPrune = Instant.MIN;
  private Instant lastHeadRetry = Instant.MIN;
  private boolean started;

  public LineSupervisor(
      NodeOperations node,
      LineStore store,
      ChainHeads chainHeads,
      LineSettings settings,
      LineScheduler scheduler,
      Clock clock) {
    this.node = node;
    this.store = store;
    this.chainHeads = chainHeads;
    this.settings = settings;
    this.scheduler = scheduler;
    this.clock = clock;
    this.schedule = new LineTestSchedule(settings.testInterval());
    this.nation = node.nation();
    this.system = nation.toLowerCase(java.util.Locale.ROOT) + "-hotline";
  }

  // ----- life -----

  /** Takes up where the last run left off (open alarms, owed acknowledgements) and starts. */
  @Override
  public void start() {
    List<String> peers;
    synchronized (this) {
      if (started) {
        return;
      }
      started = true;
      Map<String, LinkState> states = store.lastLinkStates();
      peers = peers();
      for (String peer : peers) {
        links.put(
            peer, new Link(peer, states.getOrDefault(peer, LinkState.LINK_STATE_UNSPECIFIED)));
      }
      store.openAlarms().forEach(alarm -> open.put(alarm.alarm().getId(), alarm));
      store.openDeadlines().forEach(d -> deadlines.put(key(d.messageId(), d.party()), d));
      lastSlots.putAll(store.lastTestSlots());
      LOG.info(
          "line supervision of {}: peers {}, {} open alarms, {} acknowledgements owed",
          nation,
          peers,
          open.size(),
          deadlines.size());
    }
    for (String peer : peers) {
      scheduler.every(settings.probeInterval(), "probe " + peer, () -> probe(peer));
    }
    scheduler.every(settings.tick(), "line tick", this::tick);
  }

  @Override
  public void close() {
    scheduler.close();
  }

  // ----- what the node asks -----

  @Override
  public List<PeerLink> links() {
    List<PeerLink> snapshot;
    synchronized (this) {
      snapshot = links.values().stream().map(Link::toProto).toList();
    }
    List<PeerLink> out = new ArrayList<>(snapshot.size());
    for (PeerLink link : snapshot) {
      out.add(link.toBuilder().setBacklog(Math.max(0, node.backlogFor(link.getPeer()))).build());
    }
    return out;
  }

  @Override
  public synchronized List<Alarm> openAlarms() {
    return open.values().stream()
        .map(StoredAlarm::alarm)
        .sorted(Comparator.comparing((Alarm a) -> a.getRaisedAt().getSeconds()))
        .toList();
  }

  @Override
  public synchronized Alarm acknowledgeAlarm(String alarmId, String username) {
    if (alarmId == null || alarmId.isEmpty() || alarmId.length() > 64) {
      throw Status.INVALID_ARGUMENT
          .withDescription("alarm_id must name an alarm")
          .asRuntimeException();
    }
    StoredAlarm stored = open.get(alarmId);
    if (stored == null) {
      return store
          .alarm(alarmId)
          .map(StoredAlarm::alarm)
          .orElseThrow(
              () ->
                  Status.NOT_FOUND
                      .withDescription("no alarm " + ChainHeads.printable(alarmId))
                      .asRuntimeException());
    }
    Alarm alarm = stored.alarm();
    MemberRole role = roleOf(username);
    if (role == null) {
      throw Status.PERMISSION_DENIED
          .withDescription(username + " is not a hotline member of " + nation)
          .asRuntimeException();
    }
    if (rank(role) < alarm.getLevelValue()) {
      throw Status.PERMISSION_DENIED
          .withDescription(
              "the alarm is escalated to "
                  + WireMapping.shortName(alarm.getLevel())
                  + ": a "
                  + WireMapping.shortName(role)
                  + " may no longer acknowledge it")
          .asRuntimeException();
    }
    Instant now = clock.instant();
    Alarm acknowledged =
        alarm.toBuilder().setAcknowledgedBy(username).setAcknowledgedAt(timestamp(now)).build();
    audit(alarmEvent(acknowledged, "ACKNOWLEDGED", username));
    store.saveAlarm(new StoredAlarm(acknowledged, stored.lastStepAt(), stored.levelSince()));
    store.recordAlarmStep(alarmId, "ACKNOWLEDGED", acknowledged.getLevel(), username, now);
    open.remove(alarmId);
    node.publish(acknowledged);
    LOG.info("alarm {} ({}) acknowledged by {}", alarmId, alarm.getKind(), username);
    return acknowledged;
  }

  // ----- what the node tells -----

  @Override
  public synchronized void onMessage(HotlineMessage message, List<String> parties) {
    if (message.getLineTest() && !nation.equals(message.getOrigin())) {
      checkTestText(message);
    }
    Duration within = ackWithin(message);
    if (within == null || message.getId().isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    Instant accepted = message.hasAcceptedAt() ? WireMapping.instant(message.getAcceptedAt()) : now;
    Instant due = accepted.plus(within);
    if (due.isBefore(now.minus(HISTORY))) {
      return;
    }
    AlarmKind raises =
        message.getLineTest()
            ? AlarmKind.ALARM_KIND_TEST_MISSED
            : AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED;
    for (String party : new TreeSet<>(parties)) {
      boolean watched =
          !party.equals(message.getOrigin())
              && (nation.equals(message.getOrigin()) || nation.equals(party));
      String key = key(message.getId(), party);
      if (watched && !deadlines.containsKey(key)) {
        AckDeadline deadline =
            new AckDeadline(message.getId(), party, message.getConference(), raises, due);
        if (store.addDeadline(deadline)) {
          deadlines.put(key, deadline);
        }
      }
    }
  }

  @Override
  public synchronized void onReceipt(Receipt receipt) {
    if (receipt.getState() != ReceiptState.RECEIPT_STATE_ACKNOWLEDGED) {
      return;
    }
    Instant now = clock.instant();
    String key = key(receipt.getMessageId(), receipt.getParty());
    AckDeadline deadline = deadlines.get(key);
    if (deadline != null) {
      if (deadline.raises() == AlarmKind.ALARM_KIND_TEST_MISSED) {
        audit(
            event(
                    HotlineEvent.Kind.LINE_TEST,
                    deadline.conference(),
                    conferenceParties(deadline.conference()))
                .setMessageId(deadline.messageId())
                .setParty(receipt.getParty())
                .setActor(receipt.getBy())
                .setReason("line test acknowledged in time by " + receipt.getParty()));
      }
      store.acknowledgeDeadline(receipt.getMessageId(), receipt.getParty(), receipt.getBy(), now);
      deadlines.remove(key);
      return;
    }
    // acknowledged after its alarm went up: the alarm says so, and still wants its own
    // acknowledgement
    for (StoredAlarm stored : List.copyOf(open.values())) {
      Alarm alarm = stored.alarm();
      if ((alarm.getKind() == AlarmKind.ALARM_KIND_TEST_MISSED
              || alarm.getKind() == AlarmKind.ALARM_KIND_NOT_ACKNOWLEDGED)
          && alarm.getMessageId().equals(receipt.getMessageId())
          && alarm.getPeer().equals(receipt.getParty())
          && !alarm.getDetail().contains(" since acknowledged ")) {
        store.acknowledgeDeadline(receipt.getMessageId(), receipt.getParty(), receipt.getBy(), now);
        update(
            stored,
            alarm.getDetail()
                + "; since acknowledged late by "
                + receipt.getBy()
                + " at "
                + now
                + " (acknowledge the alarm to close it)");
      }
    }
  }

  @Override
  public void onChainHead(String fromNation, ChainHead head) {
    Conference conference = conference(head.getConference());
    Optional<String> refused = refuse(fromNation, head, conference);
    if (refused.isPresent()) {
      synchronized (this) {
        rejectHead(fromNation, head, conference, refused.get());
      }
      return;
    }
    List<RelayItemDigest> items = node.conferenceItems(head.getConference());
    synchronized (this) {
      compare(new PeerHead(fromNation, head, clock.instant()), items);
    }
  }

  // ----- probes -----

  void probe(String peer) {
    Instant at = clock.instant();
    Long roundTrip = null;
    String error = null;
    try {
      roundTrip = Math.max(0, node.probe(peer, settings.probeTimeout()));
    } catch (RuntimeException e) {
      error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    synchronized (this) {
      Link link = links.get(peer);
      if (link == null) {
        return;
      }
      store.recordProbe(peer, at, roundTrip, error);
      link.lastProbeAt = at;
      if (roundTrip != null) {
        link.misses = 0;
        link.lastRoundTripUs = roundTrip;
        link.lastAnswerAt = clock.instant();
      } else {
        link.misses++;
      }
      LinkState next;
      String reason;
      if (roundTrip != null && roundTrip <= settings.probeSlowAfter().toNanos() / 1000) {
        next = LinkState.LINK_STATE_GREEN;
        reason = "answered in " + roundTrip / 1000 + " ms";
      } else if (roundTrip != null) {
        next = LinkState.LINK_STATE_AMBER;
        reason =
            "slow: answered in "
                + roundTrip / 1000
                + " ms, over "
                + settings.probeSlowAfter().toMillis()
                + " ms";
      } else if (link.misses >= LineSettings.MISSES_FOR_RED
          || link.state == LinkState.LINK_STATE_RED) {
        next = LinkState.LINK_STATE_RED;
        reason = "no answer for " + link.misses + " probes: " + error;
      } else {
        next = LinkState.LINK_STATE_AMBER;
        reason = link.misses + " probe(s) unanswered: " + error;
      }
      if (next != link.state) {
        changeLink(link, next, reason, at);
      }
    }
  }

  private void changeLink(Link link, LinkState next, String reason, Instant at) {
    LinkState previous = link.state;
    audit(
        event(HotlineEvent.Kind.LINK_STATE, "", List.of(nation, link.peer))
            .setParty(link.peer)
            .setActor(system)
            .setLinkState(WireMapping.shortName(next))
            .setReason(reason));
    link.state = next;
    store.recordLinkState(link.peer, previous, next, at, reason);
    node.publish(
        link.toProto().toBuilder().setBacklog(Math.max(0, node.backlogFor(link.peer))).build());
    LOG.info("link to {}: {} -> {} ({})", link.peer, previous, next, reason);
    Optional<StoredAlarm> alarm = findOpen(AlarmKind.ALARM_KIND_LINK_RED, "", "", link.peer);
    if (next == LinkState.LINK_STATE_RED) {
      String detail = "the link to " + link.peer + " is RED since " + at + ": " + reason;
      if (alarm.isEmpty()) {
        raise(AlarmKind.ALARM_KIND_LINK_RED, "", "", link.peer, detail, at);
      } else {
        update(alarm.get(), detail);
      }
    } else if (previous == LinkState.LINK_STATE_RED && alarm.isPresent()) {
      // the link is back, but the alarm waits for a person: it says so
      update(
          alarm.get(),
          alarm.get().alarm().getDetail()
              + "; "
              + WireMapping.shortName(next)
              + " again since "
              + at
              + " (acknowledge the alarm to close it)");
    }
  }

  // ----- the tick: tests, deadlines, alarms -----

  void tick() {
    Instant now = clock.instant();
    long slot = schedule.slot(now);
    List<Conference> toTest = new ArrayList<>();
    synchronized (this) {
      for (Conference conference : node.conferences()) {
        if (conference.getNationsList().contains(nation)
            && schedule.sender(conference, slot).equals(nation)
            && lastSlots.getOrDefault(conference.getId(), Long.MIN_VALUE) < slot
            && now.isBefore(schedule.start(slot).plus(testGrace()))) {
          toTest.add(conference);
        }
      }
    }
    for (Conference conference : toTest) {
      try {
        sendTest(conference, slot);
      } catch (RuntimeException e) {
        LOG.warn("line test of {} in slot {} not sent: {}", conference.getId(), slot, e.toString());
      }
    }
    List<PeerHead> retry = List.of();
    synchronized (this) {
      missDeadlines(now);
      stepAlarms(now);
      if (!waitingHeads.isEmpty() && !now.isBefore(lastHeadRetry.plus(settings.probeInterval()))) {
        lastHeadRetry = now;
        retry = List.copyOf(waitingHeads.values());
      }
      if (now.isAfter(lastPrune.plus(Duration.ofHours(1)))) {
        lastPrune = now;
        store.pruneProbes(now.minus(PROBES_KEPT));
      }
    }
    for (PeerHead waiting : retry) {
      List<RelayItemDigest> items = node.conferenceItems(waiting.head.getConference());
      synchronized (this) {
        if (waitingHeads.get(waiting.key()) == waiting) {
          compare(waiting, items);
        }
      }
    }
  }

  /**
   * How long after its slot begins a test may still go out: the tests go round at the slots'
   * starts, and a node that was down then (or started later) sends that slot's test only if it is
   * back within this time, so tests never come at odd times.
   */
  private Duration testGrace() {
    Duration half = settings.testInterval().dividedBy(2);
    return settings.testAckWithin().compareTo(half) < 0 ? settings.testAckWithin() : half;
  }

  private void sendTest(Conference conference, long slot) {
    String id = conference.getId();
    // the node signs and sends its chain head before the test; this is the same hash, for the
    // record
    List<RelayItemDigest> items = node.conferenceItems(id);
    Map<String, Long> through = ChainHeads.contiguousThrough(items);
    byte[] head = ChainHeads.hash(items, through).orElseThrow();
    HotlineMessage test = node.sendLineTest(id, LineTestSchedule.text(nation, id, slot));
    Instant now = clock.instant();
    synchronized (this) {
      lastSlots.put(id, slot);
      audit(
          event(HotlineEvent.Kind.LINE_TEST, id, conference.getNationsList())
              .setMessageId(test.getId())
              .setSequence(test.getSerial())
              .setActor(system)
              .setHeadHash(ByteString.copyFrom(head))
              .setReason("line test sent in slot " + slot + ", chain head through " + through));
      store.recordLineTest(test.getId(), id, slot, now, head);
      HotlineMessage registered =
          test.toBuilder()
              .setLineTest(true)
              .setOrigin(nation)
              .setConference(id)
              .setAcceptedAt(test.hasAcceptedAt() ? test.getAcceptedAt() : timestamp(now))
              .build();
      onMessage(registered, conference.getNationsList());
    }
  }

  /** A peer's test text must arrive exactly as sent: every letter, digit, Hangul and kana. */
  private void checkTestText(HotlineMessage test) {
    int change =
        LineTestSchedule.firstChange(test.getText(), test.getOrigin(), test.getConference());
    if (change < 0) {
      return;
    }
    String reason =
        "TEXT CHANGED: the line test from "
            + test.getOrigin()
            + " did not arrive as sent, first difference at character "
            + change;
    LOG.warn("{} ({})", reason, test.getId());
    audit(
        event(
                HotlineEvent.Kind.LINE_TEST,
                test.getConference(),
                conferenceParties(test.getConference()))
            .setMessageId(test.getId())
            .setSequence(test.getSerial())
            .setParty(test.getOrigin())
            .setActor(system)
            .setReason(reason));
  }

  private void missDeadlines(Instant now) {
    List<AckDeadline> missed =
        deadlines.values().stream()
            .filter(d -> !now.isBefore(d.dueAt()))
            .sorted(Comparator.comparing(AckDeadline::dueAt))
            .toList();
    for (AckDeadline deadline : missed) {
      String what =
          deadline.raises() == AlarmKind.ALARM_KIND_TEST_MISSED
              ? "the line test " + deadline.messageId()
              : "the message " + deadline.messageId();
      String detail =
          deadline.party()
              + " has not acknowledged "
              + what
              + " in "
              + deadline.conference()
              + " (due "
              + deadline.dueAt()
              + ")";
      if (findOpen(deadline.raises(), deadline.conference(), deadline.messageId(), deadline.party())
          .isEmpty()) {
        raise(
            deadline.raises(),
            deadline.conference(),
            deadline.messageId(),
            deadline.party(),
            detail,
            now);
      }
      store.missDeadline(deadline.messageId(), deadline.party(), now);
      deadlines.remove(key(deadline.messageId(), deadline.party()));
    }
  }

  private void stepAlarms(Instant now) {
    for (StoredAlarm stored : List.copyOf(open.values())) {
      Alarm alarm = stored.alarm();
      if (alarm.getLevel() != EscalationLevel.ESCALATION_LEVEL_PRINCIPAL
          && !now.isBefore(stored.levelSince().plus(settings.escalateAfter()))) {
        EscalationLevel next = EscalationLevel.forNumber(alarm.getLevelValue() + 1);
        String step = "ESCALATED:" + WireMapping.shortName(next);
        Alarm escalated = alarm.toBuilder().setLevel(next).build();
        audit(alarmEvent(escalated, step, system));
        save(new StoredAlarm(escalated, now, now), step, now);
        LOG.warn("alarm {} ({}) escalated to {}", alarm.getId(), alarm.getKind(), next);
      } else if (!now.isBefore(stored.lastStepAt().plus(settings.alarmRepeat()))) {
        Alarm repeated = alarm.toBuilder().setRepeats(alarm.getRepeats() + 1).build();
        audit(alarmEvent(repeated, "REPEATED", system));
        save(new StoredAlarm(repeated, now, stored.levelSince()), "REPEATED", now);
      }
    }
  }

  // ----- chain heads -----

  /** What makes a peer's head unusable before any comparison, or empty. */
  private Optional<String> refuse(String peer, ChainHead head, Conference conference) {
    if (conference == null
        || !conference.getNationsList().contains(peer)
        || !conference.getNationsList().contains(nation)
        || peer.equals(nation)) {
      return Optional.of(
          "a chain head of "
              + ChainHeads.printable(head.getConference())
              + ", not a conference of "
              + peer
              + " and "
              + nation);
    }
    for (Map.Entry<String, Long> through : head.getThroughMap().entrySet()) {
      if (!conference.getNationsList().contains(through.getKey()) || through.getValue() < 0) {
        return Optional.of(
            "the head covers " + ChainHeads.printable(through.getKey()) + ", not a party");
      }
    }
    Instant signedAt = Instant.ofEpochSecond(Math.max(0, head.getSignedAt().getSeconds()));
    if (signedAt.isAfter(clock.instant().plus(CLOCK_SKEW))) {
      return Optional.of("the head is signed in the future, at " + signedAt);
    }
    return chainHeads.verify(peer, head);
  }

  private void rejectHead(String peer, ChainHead head, Conference conference, String why) {
    String conferenceId = conference == null ? "" : conference.getId();
    List<String> parties = conference == null ? List.of(nation, peer) : conference.getNationsList();
    audit(
        event(HotlineEvent.Kind.CHAIN_HEAD, conferenceId, parties)
            .setParty(peer)
            .setActor(system)
            .setHeadHash(head.getHeadHash().size() <= 64 ? head.getHeadHash() : ByteString.EMPTY)
            .setReason("REJECTED: " + why));
    String detail =
        peer
            + "'s chain head of "
            + ChainHeads.printable(head.getConference())
            + " was rejected: "
            + why;
    if (findOpen(AlarmKind.ALARM_KIND_CHAIN_MISMATCH, conferenceId, "", peer).isEmpty()) {
      raise(AlarmKind.ALARM_KIND_CHAIN_MISMATCH, conferenceId, "", peer, detail, clock.instant());
    }
  }

  private void compare(PeerHead peerHead, List<RelayItemDigest> items) {
    ChainHead head = peerHead.head;
    String peer = peerHead.peer;
    Conference conference = conference(head.getConference());
    Instant now = clock.instant();
    waitingHeads.remove(peerHead.key());
    Map<String, Long> mine = ChainHeads.contiguousThrough(items);
    long claimedOwn = head.getThroughMap().getOrDefault(nation, 0L);
    Optional<byte[]> own = ChainHeads.hash(items, head.getThroughMap());
    String mismatch = null;
    if (claimedOwn > mine.getOrDefault(nation, 0L)) {
      mismatch =
          "it claims "
              + nation
              + "'s items through "
              + claimedOwn
              + ", but "
              + nation
              + " sent only "
              + mine.getOrDefault(nation, 0L);
    } else if (own.isEmpty()) {
      if (now.isBefore(peerHead.receivedAt.plus(HEAD_PATIENCE))) {
        // this node has not received every item the head covers yet: compare once it has
        waitingHeads.put(peerHead.key(), peerHead);
        return;
      }
      audit(
          event(HotlineEvent.Kind.CHAIN_HEAD, head.getConference(), conference.getNationsList())
              .setParty(peer)
              .setActor(system)
              .setHeadHash(head.getHeadHash())
              .setReason(
                  "NOT COMPARED: this node still lacks items through "
                      + head.getThroughMap()
                      + ", it holds "
                      + mine));
      return;
    } else if (!java.security.MessageDigest.isEqual(own.get(), head.getHeadHash().toByteArray())) {
      mismatch =
          "its head "
              + hex(head.getHeadHash().toByteArray())
              + " differs from this node's "
              + hex(own.get());
    }
    audit(
        event(HotlineEvent.Kind.CHAIN_HEAD, head.getConference(), conference.getNationsList())
            .setParty(peer)
            .setActor(system)
            .setHeadHash(head.getHeadHash())
            .setReason(
                (mismatch == null ? "MATCHED" : "MISMATCH: " + mismatch)
                    + " through "
                    + new TreeMap<>(head.getThroughMap())));
    if (mismatch != null
        && findOpen(AlarmKind.ALARM_KIND_CHAIN_MISMATCH, head.getConference(), "", peer)
            .isEmpty()) {
      raise(
          AlarmKind.ALARM_KIND_CHAIN_MISMATCH,
          head.getConference(),
          "",
          peer,
          peer
              + "'s chain head of "
              + head.getConference()
              + " through "
              + new TreeMap<>(head.getThroughMap())
              + " does not match this node's: "
              + mismatch,
          now);
    }
  }

  // ----- alarms -----

  private void raise(
      AlarmKind kind, String conference, String messageId, String peer, String detail, Instant at) {
    Alarm alarm =
        Alarm.newBuilder()
            .setId(UUID.randomUUID().toString())
            .setKind(kind)
            .setConference(conference)
            .setMessageId(messageId)
            .setPeer(peer)
            .setDetail(detail)
            .setLevel(EscalationLevel.ESCALATION_LEVEL_WATCH_OFFICER)
            .setRaisedAt(timestamp(at))
            .build();
    audit(alarmEvent(alarm, "RAISED", system));
    save(new StoredAlarm(alarm, at, at), "RAISED", at);
    LOG.warn("alarm {} raised: {}", alarm.getId(), detail);
  }

  /** A new detail on an open alarm: shown and audited, its clocks unchanged. */
  private void update(StoredAlarm stored, String detail) {
    Alarm alarm = stored.alarm().toBuilder().setDetail(detail).build();
    audit(alarmEvent(alarm, "UPDATED", system));
    save(
        new StoredAlarm(alarm, stored.lastStepAt(), stored.levelSince()),
        "UPDATED",
        clock.instant());
  }

  private void save(StoredAlarm stored, String step, Instant at) {
    store.saveAlarm(stored);
    store.recordAlarmStep(stored.alarm().getId(), step, stored.alarm().getLevel(), system, at);
    open.put(stored.alarm().getId(), stored);
    node.publish(stored.alarm());
  }

  private Optional<StoredAlarm> findOpen(
      AlarmKind kind, String conference, String messageId, String peer) {
    return open.values().stream()
        .filter(
            s ->
                s.alarm().getKind() == kind
                    && s.alarm().getConference().equals(conference)
                    && s.alarm().getMessageId().equals(messageId)
                    && s.alarm().getPeer().equals(peer))
        .findFirst();
  }

  private HotlineEvent.Builder alarmEvent(Alarm alarm, String step, String actor) {
    List<String> parties =
        alarm.getConference().isEmpty()
            ? List.of(nation, alarm.getPeer())
            : conferenceParties(alarm.getConference());
    HotlineEvent.Builder event =
        event(HotlineEvent.Kind.ALARM, alarm.getConference(), parties)
            .setAlarmId(alarm.getId())
            .setAlarmStep(step)
            .setActor(actor)
            .setMessageId(alarm.getMessageId())
            .setReason(WireMapping.shortName(alarm.getKind()) + ": " + alarm.getDetail());
    if (!alarm.getPeer().isEmpty()) {
      event.setParty(alarm.getPeer());
    }
    return event;
  }

  // ----- helpers of this class -----

  private HotlineEvent.Builder event(
      HotlineEvent.Kind kind, String conference, List<String> parties) {
    TreeSet<String> sorted = new TreeSet<>(parties);
    sorted.removeIf(p -> p == null || p.isEmpty());
    return HotlineEvent.newBuilder()
        .setKind(kind)
        .setNode(nation)
        .setConference(conference)
        .addAllParties(sorted);
  }

  private void audit(HotlineEvent.Builder event) {
    node.audit(event.build());
  }

  private Duration ackWithin(HotlineMessage message) {
    if (message.getLineTest()) {
      return settings.testAckWithin();
    }
    Precedence precedence = message.getPrecedence();
    if (precedence == Precedence.PRECEDENCE_FLASH
        || precedence == Precedence.PRECEDENCE_FLASH_OVERRIDE) {
      return settings.ackWithinFlash();
    }
    if (precedence == Precedence.PRECEDENCE_IMMEDIATE) {
      return settings.ackWithinImmediate();
    }
    return null;
  }

  private List<String> peers() {
    TreeSet<String> peers = new TreeSet<>();
    for (Conference conference : node.conferences()) {
      if (conference.getNationsList().contains(nation)) {
        peers.addAll(conference.getNationsList());
      }
    }
    peers.remove(nation);
    return List.copyOf(peers);
  }

  private Conference conference(String id) {
    for (Conference conference : node.conferences()) {
      if (conference.getId().equals(id)) {
        return conference;
      }
    }
    return null;
  }

  private List<String> conferenceParties(String id) {
    Conference conference = conference(id);
    return conference == null ? List.of(nation) : conference.getNationsList();
  }

  /** The member's role on this nation's side, or null when the username is none of its members. */
  private MemberRole roleOf(String username) {
    MemberRole best = null;
    for (Conference conference : node.conferences()) {
      for (Member member : conference.getMembersList()) {
        if (member.getNation().equals(nation)
            && member.getUsername().equals(username)
            && (best == null || rank(member.getRole()) > rank(best))) {
          best = member.getRole();
        }
      }
    }
    return best;
  }

  /** A role's rank on the escalation ladder: watch officer 1, adviser 2, principal 3. */
  static int rank(MemberRole role) {
    return switch (role) {
      case MEMBER_ROLE_WATCH_OFFICER -> EscalationLevel.ESCALATION_LEVEL_WATCH_OFFICER_VALUE;
      case MEMBER_ROLE_ADVISER -> EscalationLevel.ESCALATION_LEVEL_ADVISER_VALUE;
      case MEMBER_ROLE_PRINCIPAL -> EscalationLevel.ESCALATION_LEVEL_PRINCIPAL_VALUE;
      default -> 0;
    };
  }

  private static String key(String messageId, String party) {
    return messageId + "\u0000" + party;
  }

  private static String hex(byte[] hash) {
    return HexFormat.of().formatHex(hash, 0, Math.min(hash.length, 8)) + "…";
  }

  private static Timestamp timestamp(Instant at) {
    return WireMapping.timestamp(at);
  }

  /** A peer's head, kept until this node holds every item it covers. */
  private record PeerHead(String peer, ChainHead head, Instant receivedAt) {
    String key() {
      return peer + "\u0000" + head.getConference();
    }
  }

  /** One peer's link as the probes find it. */
  private static final class Link {
    final String peer;
    LinkState state;
    int misses;
    long lastRoundTripUs;
    Instant lastProbeAt;
    Instant lastAnswerAt;

    Link(String peer, LinkState state) {
      this.peer = Objects.requireNonNull(peer);
      this.state = state;
      // a link RED when the node stopped stays RED until the peer answers
      this.misses = state == LinkState.LINK_STATE_RED ? LineSettings.MISSES_FOR_RED : 0;
    }

    PeerLink toProto() {
      PeerLink.Builder link =
          PeerLink.newBuilder().setPeer(peer).setState(state).setLastRoundTripUs(lastRoundTripUs);
      if (lastProbeAt != null) {
        link.setLastProbeAt(timestamp(lastProbeAt));
      }
      if (lastAnswerAt != null) {
        link.setLastAnswerAt(timestamp(lastAnswerAt));
      }
      return link.build();
    }
  }
}
