package org.alliedexchange.hotline.line;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.alliedexchange.api.hotline.v1.EscalationLevel;
import org.alliedexchange.api.hotline.v1.LinkState;

/** The line's store in memory, outliving the supervisors of a test as PostgreSQL would. */
final class MemoryLineStore implements LineStore {

  record Probe(String peer, Instant at, Long roundTripUs, String error) {}

  record Deadline(AckDeadline deadline, String acknowledgedBy, Instant missedAt) {}

  final List<Probe> probes = new ArrayList<>();
  final Map<String, LinkState> links = new HashMap<>();
  final Map<String, Long> slots = new HashMap<>();
  final Map<String, Deadline> deadlines = new LinkedHashMap<>();
  final Map<String, StoredAlarm> alarms = new LinkedHashMap<>();
  final List<String> steps = new ArrayList<>();

  @Override
  public synchronized void recordProbe(String peer, Instant at, Long roundTripUs, String error) {
    probes.add(new Probe(peer, at, roundTripUs, error));
  }

  @Override
  public synchronized void pruneProbes(Instant before) {
    probes.removeIf(p -> p.at().isBefore(before));
  }

  @Override
  public synchronized void recordLinkState(
      String peer, LinkState previous, LinkState state, Instant at, String reason) {
    links.put(peer, state);
  }

  @Override
  public synchronized Map<String, LinkState> lastLinkStates() {
    return Map.copyOf(links);
  }

  @Override
  public synchronized void recordLineTest(
      String messageId, String conference, long slot, Instant sentAt, byte[] head) {
    slots.merge(conference, slot, Math::max);
  }

  @Override
  public synchronized Map<String, Long> lastTestSlots() {
    return Map.copyOf(slots);
  }

  @Override
  public synchronized boolean addDeadline(AckDeadline deadline) {
    return deadlines.putIfAbsent(
            deadline.messageId() + "/" + deadline.party(), new Deadline(deadline, null, null))
        == null;
  }

  @Override
  public synchronized void acknowledgeDeadline(
      String messageId, String party, String by, Instant at) {
    deadlines.computeIfPresent(
        messageId + "/" + party, (k, d) -> new Deadline(d.deadline(), by, d.missedAt()));
  }

  @Override
  public synchronized void missDeadline(String messageId, String party, Instant at) {
    deadlines.computeIfPresent(
        messageId + "/" + party, (k, d) -> new Deadline(d.deadline(), d.acknowledgedBy(), at));
  }

  @Override
  public synchronized List<AckDeadline> openDeadlines() {
    return deadlines.values().stream()
        .filter(d -> d.acknowledgedBy() == null && d.missedAt() == null)
        .map(Deadline::deadline)
        .toList();
  }

  @Override
  public synchronized void saveAlarm(StoredAlarm alarm) {
    alarms.put(alarm.alarm().getId(), alarm);
  }

  @Override
  public synchronized void recordAlarmStep(
      String alarmId, String step, EscalationLevel level, String actor, Instant at) {
    steps.add(alarmId + " " + step);
  }

  @Override
  public synchronized List<StoredAlarm> openAlarms() {
    return alarms.values().stream()
        .filter(a -> a.alarm().getAcknowledgedBy().isEmpty())
        .sorted(Comparator.comparing(a -> a.alarm().getRaisedAt().getSeconds()))
        .toList();
  }

  @Override
  public synchronized Optional<StoredAlarm> alarm(String id) {
    return Optional.ofNullable(alarms.get(id));
  }
}
