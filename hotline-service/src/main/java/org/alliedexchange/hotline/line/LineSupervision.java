package org.alliedexchange.hotline.line;

import java.util.List;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.ChainHead;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.alliedexchange.api.hotline.v1.Receipt;

/**
 * The supervision of the line: probes of the peers and their link states, the scheduled line tests,
 * chain heads, and the alarms that repeat and escalate. The node tells it what happens ({@code
 * on*}) and asks it for the state of the links and alarms; it acts on the node through {@link
 * NodeOperations}.
 */
public interface LineSupervision extends AutoCloseable {

  /** Each peer's link as last probed. */
  List<PeerLink> links();

  /** The alarms not yet acknowledged. */
  List<Alarm> openAlarms();

  /**
   * Acknowledges an alarm by a person: it stops repeating and escalating.
   *
   * @throws io.grpc.StatusRuntimeException NOT_FOUND when no such alarm is known
   */
  Alarm acknowledgeAlarm(String alarmId, String username);

  /**
   * A message accepted at this node or relayed in from a peer, with the parties (nations) it is
   * addressed to.
   */
  void onMessage(HotlineMessage message, List<String> parties);

  /** A receipt: this node's own, or one relayed in from a peer. */
  void onReceipt(Receipt receipt);

  /** A peer's signed chain head, relayed in (already stored by the node). */
  void onChainHead(String fromNation, ChainHead head);

  /** Starts the probes and schedules. */
  void start();

  @Override
  void close();
}
