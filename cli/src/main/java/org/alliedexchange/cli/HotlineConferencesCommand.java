package org.alliedexchange.cli;

import java.io.PrintWriter;
import java.util.Iterator;
import org.alliedexchange.api.hotline.v1.ListConferencesRequest;
import org.alliedexchange.api.hotline.v1.ListConferencesResponse;
import picocli.CommandLine.Command;

/** `allied hotline conferences`: the conferences the caller is a member of. */
@Command(
    name = "conferences",
    mixinStandardHelpOptions = true,
    description = "List the conferences you are a member of: nations, ceiling, members.")
final class HotlineConferencesCommand extends HotlineMemberCommand {
  @Override
  void run(Node node, PrintWriter out) {
    Iterator<ListConferencesResponse> conferences =
        node.blocking().listConferences(ListConferencesRequest.getDefaultInstance());
    int listed = 0;
    while (conferences.hasNext()) {
      ListConferencesResponse conference = conferences.next();
      print(out, conference, HotlineOutput.conference(conference.getConference()));
      listed++;
    }
    if (listed == 0 && !json) {
      out.println("no conferences: you are a member of none on " + node.nation() + "'s node");
    }
  }
}
