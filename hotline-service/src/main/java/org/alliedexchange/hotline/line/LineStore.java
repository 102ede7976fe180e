package org.alliedexchange.hotline.line;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.alliedexchange.api.hotline.v1.EscalationLevel;
import org.alliedexchange.api.hotline.v1.LinkState;

/**
 * What the line's supervision keeps across a restart: probes, link state changes, line tests, the
 * acknowledgements parties owe, alarms and their steps. Writes are durable when a method returns.
 */
public interface LineStore {

  /** A probe: its round trip in microseconds, or null when it went unanswered ({@code error}). */
  void recordProbe(String peer, Instant at, Long roundTripUs, String error);

  /** Forgets probes older than {@code before}; the link state changes are kept. */
  void pruneProbes(Instant before);

  void recordLinkState(String peer, LinkState previous, LinkState state, Instant at, String reason);

  /** Each peer's last recorded state. */
  Map<String, LinkState> lastLinkStates();

  /** A line test this node sent, in its slot, with the hash of the chain head that preceded it. */
  void recordLineTest(String messageId, String conference, long slot, Instant sentAt, byte[] head);

  /** Per conference, the last slot this node sent a test in. */
  Map<String, Long> lastTestSlots();

  /** Adds a deadline; false when the store already had it (met, missed or still open). */
  boolean addDeadline(AckDeadline deadline);

  /** The party acknowledged: the deadline is met (or was met late). */
  void acknowledgeDeadline(String messageId, String party, String by, Instant at);

  /** The deadline passed without the acknowledgement; its alarm was raised. */
  void missDeadline(String messageId, String party, Instant at);

  /** The deadlines neither met nor missed yet. */
  List<AckDeadline> openDeadlines();

  /** Inserts or updates an alarm. */
  void saveAlarm(StoredAlarm alarm);

  void recordAlarmStep(
      String alarmId, String step, EscalationLevel level, String actor, Instant at);

  /** The alarms not acknowledged, oldest first. */
  List<StoredAlarm> openAlarms();

  Optional<StoredAlarm> alarm(String id);
}
