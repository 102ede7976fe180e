package org.alliedexchange.cli;

import java.io.PrintWriter;
import org.alliedexchange.api.hotline.v1.AcknowledgeRequest;
import org.alliedexchange.api.hotline.v1.AcknowledgeResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `allied hotline ack`: a person's explicit acknowledgement of a message or a line test. */
@Command(
    name = "ack",
    mixinStandardHelpOptions = true,
    description =
        "Acknowledge a message (or a line test) for your nation: its ACKNOWLEDGED receipt, which every party sees.")
final class HotlineAckCommand extends HotlineMemberCommand {
  @Parameters(index = "0", paramLabel = "MESSAGE_ID", description = "The message's id.")
  String messageId;

  @Override
  void run(Node node, PrintWriter out) {
    AcknowledgeResponse acknowledged =
        node.blocking()
            .acknowledge(AcknowledgeRequest.newBuilder().setMessageId(messageId.trim()).build());
    print(out, acknowledged, HotlineOutput.receipt(acknowledged.getReceipt()));
  }
}
