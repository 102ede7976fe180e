package org.alliedexchange.cli;

import static org.alliedexchange.cli.DemoNarrator.expect;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.VerifyChainRequest;
import org.alliedexchange.api.audit.v1.VerifyChainResponse;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.label.WireMapping;

/**
 * The demo's last step: Korea's and Japan's auditors read the Korea–Japan record, see the same
 * chain with the demo's transfers in it, read why Japan was refused (which Japan's systems were not
 * told), and both verify it.
 */
final class DemoAuditReview {

  private final DemoFederation federation;
  private final DemoNarrator narrator;

  DemoAuditReview(DemoFederation federation, DemoNarrator narrator) {
    this.federation = federation;
    this.narrator = narrator;
  }

  /**
   * Waits until both auditors see the {@code released} transfers and the {@code quoted} refusals
   * Japan was given to quote (each at a level the auditors read whole), then shows why each refusal
   * was made, checks and verifies.
   */
  void play(List<String> released, List<String> quoted) throws Exception {
    List<String> wanted = new ArrayList<>(released);
    wanted.addAll(quoted);
    AlliedClient korAuditor = federation.person("kor-auditor");
    AlliedClient jpnAuditor = federation.person("jpn-auditor");
    List<QueryRecordsResponse> korRecords = List.of();
    List<QueryRecordsResponse> jpnRecords = List.of();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      korRecords = records(korAuditor);
      jpnRecords = records(jpnAuditor);
      if (ids(korRecords).containsAll(wanted) && ids(jpnRecords).containsAll(wanted)) {
        break;
      }
      Thread.sleep(250);
    }
    expect(
        ids(korRecords).containsAll(wanted) && ids(jpnRecords).containsAll(wanted),
        "the auditors do not both see the demo's transfers");
    expect(
        korRecords.stream()
            .map(QueryRecordsResponse::getHash)
            .toList()
            .equals(jpnRecords.stream().map(QueryRecordsResponse::getHash).toList()),
        "the two auditors were shown different chains");
    long refusals =
        korRecords.stream()
            .filter(
                r -> r.getRedacted() || r.getEvent().getTransfer().getDecision().getNumber() == 2)
            .count();
    narrator.show(
        "Both see the same "
            + korRecords.size()
            + " records of JPN-KOR, with the same hashes: the transfers to Japan (each re-marked "
            + "for the auditor), "
            + refusals
            + " refusals, and the suspension and resumption.");
    for (String refusal : quoted) {
      QueryRecordsResponse record =
          korRecords.stream()
              .filter(r -> r.getEvent().getEventId().equals(refusal))
              .findFirst()
              .orElseThrow();
      narrator.show(
          "Transfer "
              + refusal
              + " was refused for "
              + record.getEvent().getTransfer().getReasonsList().stream()
                  .map(reason -> WireMapping.shortName(reason))
                  .toList()
              + ": the auditors read why; Japan's system was told only the transfer id.");
    }
    VerifyChainResponse korVerified =
        korAuditor
            .audit()
            .verifyChain(VerifyChainRequest.newBuilder().setRelationship("JPN-KOR").build());
    VerifyChainResponse jpnVerified =
        jpnAuditor
            .audit()
            .verifyChain(VerifyChainRequest.newBuilder().setRelationship("JPN-KOR").build());
    expect(
        korVerified.getVerified() && jpnVerified.getVerified(),
        "the chain did not verify: " + korVerified.getDetail());
    narrator.show("The chain verifies for both: " + jpnVerified.getDetail() + ".");
    narrator.show(
        "Open the console at " + federation.console() + " as jpn-auditor to see the report.");
  }

  private List<QueryRecordsResponse> records(AlliedClient auditor) {
    List<QueryRecordsResponse> records = new ArrayList<>();
    auditor
        .audit()
        .exportRecords(QueryRecordsRequest.newBuilder().setRelationship("JPN-KOR").build())
        .forEachRemaining(records::add);
    return records;
  }

  private static List<String> ids(List<QueryRecordsResponse> records) {
    return records.stream().map(r -> r.getEvent().getEventId()).toList();
  }
}
