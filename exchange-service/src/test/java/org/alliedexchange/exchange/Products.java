package org.alliedexchange.exchange;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import org.alliedexchange.api.exchange.v1.FreeTextReport;
import org.alliedexchange.api.exchange.v1.GeoPoint;
import org.alliedexchange.api.exchange.v1.MissileLaunchReport;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.label.v1.SecurityLabel;

/** Publish requests for tests. */
final class Products {
  private Products() {}

  static SecurityLabel label(String nation, String marking, String... releasableTo) {
    SecurityLabel.Builder label =
        SecurityLabel.newBuilder().setPolicy(nation).setMarking(marking).setOriginator(nation);
    for (String to : releasableTo) {
      label.addReleasableTo(to);
    }
    return label.build();
  }

  static PublishRequest missileLaunch(String topic, SecurityLabel label) {
    return missileLaunch(topic, label, Instant.now());
  }

  static PublishRequest missileLaunch(String topic, SecurityLabel label, Instant observed) {
    return PublishRequest.newBuilder()
        .setLabel(label)
        .setContent(
            ProductContent.newBuilder()
                .setTopic(topic)
                .setObservedAt(
                    Timestamp.newBuilder()
                        .setSeconds(observed.getEpochSecond())
                        .setNanos(observed.getNano()))
                .setMissileLaunch(
                    MissileLaunchReport.newBuilder()
                        .setLaunchPoint(GeoPoint.newBuilder().setLatitude(39.0).setLongitude(125.7))
                        .setMissileType("SRBM")
                        .setCount(2)
                        .setApogeeKm(50)
                        .setRangeKm(600)
                        .setSensor("GREEN PINE")
                        .setConfidence(0.9)))
        .build();
  }

  static PublishRequest freeText(String topic, SecurityLabel label, String body) {
    Instant now = Instant.now();
    return PublishRequest.newBuilder()
        .setLabel(label)
        .setContent(
            ProductContent.newBuilder()
                .setTopic(topic)
                .setObservedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setFreeText(
                    FreeTextReport.newBuilder().setTitle("report").setBody(body).setLanguage("en")))
        .build();
  }
}
