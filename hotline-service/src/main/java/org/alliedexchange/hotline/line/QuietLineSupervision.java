package org.alliedexchange.hotline.line;

import io.grpc.Status;
import java.util.List;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.ChainHead;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.alliedexchange.api.hotline.v1.Receipt;

/** No supervision: no probes, no tests, no alarms. The node's stand-in until one is configured. */
public final class QuietLineSupervision implements LineSupervision {

  @Override
  public List<PeerLink> links() {
    return List.of();
  }

  @Override
  public List<Alarm> openAlarms() {
    return List.of();
  }

  @Override
  public Alarm acknowledgeAlarm(String alarmId, String username) {
    throw Status.NOT_FOUND.withDescription("no alarm " + alarmId).asRuntimeException();
  }

  @Override
  public void onMessage(HotlineMessage message, List<String> parties) {}

  @Override
  public void onReceipt(Receipt receipt) {}

  @Override
  public void onChainHead(String fromNation, ChainHead head) {}

  @Override
  public void start() {}

  @Override
  public void close() {}
}
