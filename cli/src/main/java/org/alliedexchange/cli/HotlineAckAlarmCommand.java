package org.alliedexchange.cli;

import java.io.PrintWriter;
import org.alliedexchange.api.hotline.v1.AcknowledgeAlarmRequest;
import org.alliedexchange.api.hotline.v1.AcknowledgeAlarmResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `allied hotline ack-alarm`: stops an alarm repeating and escalating. */
@Command(
    name = "ack-alarm",
    mixinStandardHelpOptions = true,
    description =
        "Acknowledge an alarm (from `allied hotline status` or watch): it stops repeating and escalating.")
final class HotlineAckAlarmCommand extends HotlineMemberCommand {
  @Parameters(index = "0", paramLabel = "ALARM_ID", description = "The alarm's id.")
  String alarmId;

  @Override
  void run(Node node, PrintWriter out) {
    AcknowledgeAlarmResponse acknowledged =
        node.blocking()
            .acknowledgeAlarm(
                AcknowledgeAlarmRequest.newBuilder().setAlarmId(alarmId.trim()).build());
    print(out, acknowledged, HotlineOutput.alarm(acknowledged.getAlarm()));
  }
}
