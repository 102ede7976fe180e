package org.alliedexchange.cli;

import static org.alliedexchange.cli.DemoCommand.AGREEMENT;
import static org.alliedexchange.cli.DemoNarrator.expect;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.List;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.GeoPoint;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.MissileLaunchReport;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.label.WireMapping;

/**
 * The demo's steps, in order: each does something on the federation, narrates it and checks what it
 * shows.
 */
final class DemoScenario {

  /** What every refusal of a read says, and no more: it was withheld, and what to quote. */
  private static final String QUOTE = "is not released to you; quote transfer ";

  private final DemoFederation federation;
  private final DemoNarrator narrator;

  DemoScenario(DemoFederation federation, DemoNarrator narrator) {
    this.federation = federation;
    this.narrator = narrator;
  }

  void play() throws Exception {
    String topic = "demo.dprk.missile.launch." + Instant.now().getEpochSecond();
    AlliedClient korPublisher = federation.system("kor-jcs-publisher");
    AlliedClient jpnReader = federation.system("jpn-mod-reader");
    AlliedClient usaReader = federation.system("usa-dia-reader");
    AlliedClient jpnPublisher = federation.system("jpn-js-publisher");

    if (!"IN_FORCE".equals(federation.agreementStatus())) {
      narrator.say(0, AGREEMENT + " is not in force (an interrupted run?): resuming it first.");
      federation.admin("resume", "demo: restoring the agreement before the demo");
      Thread.sleep(1_200);
    }

    narrator.say(
        1,
        "Japan's and the USA's systems subscribe to Korea's missile-launch reports (topic "
            + topic
            + ").");
    DemoSubscription japan = federation.subscribe(jpnReader, topic);
    DemoSubscription usa = federation.subscribe(usaReader, topic);
    Thread.sleep(1_000);

    narrator.say(
        2, "Korea publishes a launch report at 군사II급비밀 (SECRET), releasable to JPN and USA.");
    Instant sent = Instant.now();
    var secret =
        korPublisher.exchange("KOR").publish(report(topic, "군사II급비밀", "KOR", "JPN", "USA"));
    String secretId = secret.getContent().getId();
    SubscribeResponse atJapan = japan.next(5);
    SubscribeResponse atUsa = usa.next(5);
    expect(
        atJapan != null && atJapan.getContent().getId().equals(secretId),
        "Japan's subscription did not receive the report");
    expect(
        atUsa != null && atUsa.getContent().getId().equals(secretId),
        "the USA's subscription did not receive the report");
    expect(
        atJapan.getLabel().getRelease().getMarking().equals("極秘"),
        "Japan's copy is marked " + atJapan.getLabel().getRelease().getMarking());
    expect(
        atUsa.getLabel().getRelease().getMarking().equals("SECRET"),
        "the USA's copy is marked " + atUsa.getLabel().getRelease().getMarking());
    narrator.show(
        "Japan received it marked "
            + atJapan.getLabel().getRelease().getMarking()
            + " ("
            + japan.millisAfter(sent)
            + " ms after Korea sent it), under "
            + atJapan.getLabel().getRelease().getAgreementId()
            + ", transfer "
            + atJapan.getLabel().getRelease().getTransferId());
    narrator.show(
        "The USA received it marked "
            + atUsa.getLabel().getRelease().getMarking()
            + " ("
            + usa.millisAfter(sent)
            + " ms), under "
            + atUsa.getLabel().getRelease().getAgreementId());

    narrator.say(3, "Korea publishes a report at 군사I급비밀 (TOP SECRET), releasable to JPN and USA.");
    String topSecretId =
        korPublisher
            .exchange("KOR")
            .publish(report(topic, "군사I급비밀", "KOR", "JPN", "USA"))
            .getContent()
            .getId();
    SubscribeResponse topAtUsa = usa.next(5);
    expect(
        topAtUsa != null && topAtUsa.getContent().getId().equals(topSecretId),
        "the USA did not receive the TOP SECRET report");
    narrator.show(
        "The USA received it marked " + topAtUsa.getLabel().getRelease().getMarking() + ".");
    expect(japan.next(1) == null, "Japan's subscription received a TOP SECRET report");
    // a refusal says only that, and the transfer to quote; the auditors read why
    narrator.refused(
        () ->
            jpnReader
                .exchange("KOR")
                .get(GetRequest.newBuilder().setProductId(topSecretId).build()),
        QUOTE,
        "Japan did not get it: the Korea–Japan GSOMIA covers 군사III급비밀 and 군사II급비밀 only");

    narrator.say(4, "Korea publishes a KOR-only report.");
    String korOnlyId =
        korPublisher.exchange("KOR").publish(report(topic, "군사II급비밀", "KOR")).getContent().getId();
    expect(
        japan.next(1) == null && usa.next(1) == null,
        "a KOR-only report reached a foreign subscription");
    narrator.refused(
        () ->
            usaReader.exchange("KOR").get(GetRequest.newBuilder().setProductId(korOnlyId).build()),
        QUOTE,
        "Nobody abroad gets it: the USA is refused");
    String notReleasable =
        narrator.refused(
            () ->
                jpnReader
                    .exchange("KOR")
                    .get(GetRequest.newBuilder().setProductId(korOnlyId).build()),
            QUOTE,
            "and so is Japan");

    narrator.say(
        5,
        "Japan tries to re-publish Korea's SECRET report under its own service, to pass it on (the third-party rule).");
    PublishRequest republish =
        PublishRequest.newBuilder()
            .setLabel(atJapan.getLabel().toBuilder().clearRelease())
            .setContent(
                atJapan.getContent().toBuilder().clearId().clearPublishedAt().clearPublisher())
            .build();
    narrator.refused(
        () -> jpnPublisher.exchange("JPN").publish(republish),
        "",
        "Refused: only Korea may release Korea's information");
    narrator.say(
        6,
        "Korea amends its KOR-only report to be releasable to JPN and USA (the originator's consent).");
    korPublisher
        .exchange("KOR")
        .amendReleasability(
            AmendReleasabilityRequest.newBuilder()
                .setProductId(korOnlyId)
                .addAllReleasableTo(List.of("KOR", "JPN", "USA"))
                .setJustification("demo: shared for the combined missile-warning picture")
                .build());
    var amendedAtUsa =
        usaReader.exchange("KOR").get(GetRequest.newBuilder().setProductId(korOnlyId).build());
    var amendedAtJapan =
        jpnReader.exchange("KOR").get(GetRequest.newBuilder().setProductId(korOnlyId).build());
    narrator.show(
        "Now the USA gets it marked "
            + amendedAtUsa.getLabel().getRelease().getMarking()
            + ", and Japan marked "
            + amendedAtJapan.getLabel().getRelease().getMarking()
            + ", from Korea, the originator.");
    for (DemoSubscription subscription : List.of(japan, usa)) {
      // the amendment reaches open subscriptions too, as the product it now is
      SubscribeResponse amended = subscription.next(3);
      expect(
          amended == null || amended.getContent().getId().equals(korOnlyId),
          "a subscription received something other than the amended report");
    }

    narrator.say(
        7,
        "A federation administrator suspends the Korea–Japan GSOMIA while both subscriptions stay open.");
    federation.admin("suspend", "demo: suspension drill");
    Thread.sleep(1_200);
    String duringId =
        korPublisher
            .exchange("KOR")
            .publish(report(topic, "군사II급비밀", "KOR", "JPN", "USA"))
            .getContent()
            .getId();
    SubscribeResponse duringAtUsa = usa.next(5);
    expect(
        duringAtUsa != null && duringAtUsa.getContent().getId().equals(duringId),
        "the USA stopped receiving during the suspension");
    expect(japan.next(2) == null, "Japan's open subscription still received during the suspension");
    narrator.show("The USA still receives; Japan's open subscription received nothing.");
    String suspended =
        narrator.refused(
            () ->
                jpnReader
                    .exchange("KOR")
                    .get(GetRequest.newBuilder().setProductId(duringId).build()),
            QUOTE,
            "Japan asking directly is refused too");
    federation.admin("resume", "demo: drill over");
    Thread.sleep(1_200);
    String afterId =
        korPublisher
            .exchange("KOR")
            .publish(report(topic, "군사II급비밀", "KOR", "JPN", "USA"))
            .getContent()
            .getId();
    SubscribeResponse afterAtJapan = japan.next(5);
    expect(
        afterAtJapan != null && afterAtJapan.getContent().getId().equals(afterId),
        "Japan did not receive after the resumption");
    usa.next(5);
    narrator.show(
        "Resumed: Japan's same subscription receives again ("
            + afterAtJapan.getLabel().getRelease().getMarking()
            + ").");

    narrator.say(8, "Korea's and Japan's auditors log in and read the Korea–Japan record.");
    List<String> wanted =
        List.of(
            atJapan.getLabel().getRelease().getTransferId(),
            afterAtJapan.getLabel().getRelease().getTransferId());
    new DemoAuditReview(federation, narrator)
        // the TOP SECRET refusal's record is above the auditors' SECRET: they see its link only
        .play(wanted, List.of(notReleasable, suspended));

    if (federation.hasHotline()) {
      new DemoHotline(federation, narrator).play(9);
    } else {
      // a federation started without hotline nodes (one deployed before them, or by hand)
      narrator.say(
          9,
          "This federation runs no hotline nodes (its state file names none): the hotline scene is"
              + " left out.");
    }
  }

  private static PublishRequest report(String topic, String marking, String... releasableTo) {
    Instant now = Instant.now();
    Timestamp at = WireMapping.timestamp(now);
    return PublishRequest.newBuilder()
        .setLabel(
            SecurityLabel.newBuilder()
                .setPolicy("KOR")
                .setMarking(marking)
                .setOriginator("KOR")
                .addAllReleasableTo(List.of(releasableTo))
                .addCommunities("MISSILE_WARNING"))
        .setContent(
            ProductContent.newBuilder()
                .setTopic(topic)
                .setObservedAt(at)
                .setMissileLaunch(
                    MissileLaunchReport.newBuilder()
                        .setLaunchPoint(
                            GeoPoint.newBuilder().setLatitude(39.66).setLongitude(124.7))
                        .setLaunchedAt(at)
                        .setMissileType("SRBM")
                        .setCount(2)
                        .setApogeeKm(50)
                        .setRangeKm(350)
                        .setSensor("demo")))
        .build();
  }
}
