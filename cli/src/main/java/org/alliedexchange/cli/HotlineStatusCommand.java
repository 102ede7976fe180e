package org.alliedexchange.cli;

import java.io.PrintWriter;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.GetStatusRequest;
import org.alliedexchange.api.hotline.v1.GetStatusResponse;
import org.alliedexchange.api.hotline.v1.PeerLink;
import picocli.CommandLine.Command;

/** `allied hotline status`: each peer's link and the open alarms, as the own node sees them. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Each peer's link state and last round trip, and the open alarms, on your nation's node.")
final class HotlineStatusCommand extends HotlineMemberCommand {
  @Override
  void run(Node node, PrintWriter out) {
    GetStatusResponse status = node.blocking().getStatus(GetStatusRequest.getDefaultInstance());
    if (json) {
      print(out, status, null);
      return;
    }
    out.println("node " + HotlineOutput.safe(status.getNation()));
    for (PeerLink link : status.getLinksList()) {
      out.println(HotlineOutput.link(link));
    }
    if (status.getOpenAlarmsCount() == 0) {
      out.println("no open alarms");
    }
    for (Alarm alarm : status.getOpenAlarmsList()) {
      out.println(HotlineOutput.alarm(alarm));
    }
    out.flush();
  }
}
