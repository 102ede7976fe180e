package org.alliedexchange.hotline.line;

import java.time.Duration;
import java.util.List;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.PeerLink;

/** What the line's supervision may do on its node. */
public interface NodeOperations {

  /** The node's nation, ISO 3166-1 alpha-3. */
  String nation();

  /** The conferences this node's nation is a member of. */
  List<Conference> conferences();

  /**
   * Sends a line test to a conference: sent like any message, by the node's own system, {@code
   * line_test} set, precedence PRIORITY, and preceded in the relay by a chain head item of this
   * node.
   */
  HotlineMessage sendLineTest(String conference, String text);

  /**
   * (origin, sequence, SHA-256 of the content bytes) of every item this node holds of a conference,
   * ordered by origin then sequence: what a chain head covers.
   */
  List<RelayItemDigest> conferenceItems(String conference);

  /** How many items this node holds for a peer nation that the peer has not yet taken. */
  long backlogFor(String peer);

  /** Shows a link state to the watch sessions (through the node's event log). */
  void publish(PeerLink link);

  /** Shows an alarm step to the watch sessions (through the node's event log). */
  void publish(Alarm alarm);

  /**
   * Records an event on the audit stream, durably before returning.
   *
   * @throws RuntimeException when it cannot be written (then the step must not take effect)
   */
  void audit(HotlineEvent event);

  /**
   * Probes a peer's node through the gateway (HotlineRelay/Probe).
   *
   * @return the round trip in microseconds
   * @throws RuntimeException when the probe fails or times out
   */
  long probe(String peer, Duration timeout);
}
