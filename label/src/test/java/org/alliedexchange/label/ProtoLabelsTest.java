package org.alliedexchange.label;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.DisseminationControl;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.LabelDefect;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Recipient;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.junit.jupiter.api.Test;

class ProtoLabelsTest {

  private final ReleasabilityEngine engine =
      new ReleasabilityEngine(FederationConfig.loadDefault());
  private final Recipient jpn = new Recipient("JPN", Level.TOP_SECRET, java.util.Set.of());

  @Test
  void anApiLabelIsDecidedLikeTheDomainLabel() {
    SecurityLabel label =
        SecurityLabel.newBuilder()
            .setPolicy("KOR")
            .setMarking("군사II급비밀")
            .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
            .setOriginator("KOR")
            .addReleasableTo("KOR")
            .addReleasableTo("JPN")
            .addControls(DisseminationControl.DISSEMINATION_CONTROL_ORCON)
            .build();

    Decision decision =
        engine.decide(ProtoLabels.toDomain(label), jpn, Instant.parse("2026-01-01T00:00:00Z"));

    assertThat(decision.permitted()).isTrue();
    assertThat(decision.marking()).isEqualTo("極秘");
    assertThat(ProtoLabels.toDomain(label).controls()).containsExactly("ORCON");
  }

  @Test
  void enumNumbersThisBuildDoesNotKnowAreDenied() {
    SecurityLabel futureLevel =
        SecurityLabel.newBuilder()
            .setPolicy("KOR")
            .setMarking("군사II급비밀")
            .setLevelValue(9)
            .setOriginator("KOR")
            .addReleasableTo("KOR")
            .addReleasableTo("JPN")
            .build();
    SecurityLabel futureControl =
        SecurityLabel.newBuilder()
            .setPolicy("KOR")
            .setMarking("군사II급비밀")
            .setOriginator("KOR")
            .addReleasableTo("KOR")
            .addReleasableTo("JPN")
            .addControlsValue(7)
            .build();
    SecurityLabel unspecifiedControl =
        futureControl.toBuilder()
            .clearControls()
            .addControls(DisseminationControl.DISSEMINATION_CONTROL_UNSPECIFIED)
            .build();

    Instant at = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(engine.decide(ProtoLabels.toDomain(futureLevel), jpn, at).labelDefects())
        .contains(LabelDefect.UNKNOWN_LEVEL);
    assertThat(engine.decide(ProtoLabels.toDomain(futureControl), jpn, at).labelDefects())
        .contains(LabelDefect.UNKNOWN_CONTROL);
    assertThat(engine.decide(ProtoLabels.toDomain(unspecifiedControl), jpn, at).labelDefects())
        .contains(LabelDefect.UNKNOWN_CONTROL);
  }

  @Test
  void levelsMapBothWays() {
    for (Level level : Level.values()) {
      assertThat(WireMapping.level(WireMapping.level(level))).isEqualTo(level);
    }
    assertThat(WireMapping.level(ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED)).isNull();
  }

  @Test
  void aLabelWithAnUnknownFieldAtAnyDepthIsInvalidAndIsRecordedWithoutIt() {
    com.google.protobuf.UnknownFieldSet unknown =
        com.google.protobuf.UnknownFieldSet.newBuilder()
            .addField(
                77, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build())
            .build();
    SecurityLabel clean =
        SecurityLabel.newBuilder()
            .setPolicy("KOR")
            .setMarking("군사II급비밀")
            .setOriginator("KOR")
            .addReleasableTo("KOR")
            .addReleasableTo("JPN")
            .setReviewAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_900_000_000L))
            .build();
    SecurityLabel nested =
        clean.toBuilder()
            .setReviewAt(clean.getReviewAt().toBuilder().setUnknownFields(unknown))
            .build();
    SecurityLabel top = clean.toBuilder().setUnknownFields(unknown).build();

    for (SecurityLabel label : java.util.List.of(nested, top)) {
      assertThat(ProtoLabels.hasUnknownFields(label)).isTrue();
      assertThat(engine.validate(ProtoLabels.toDomain(label)).defects())
          .containsExactly(LabelDefect.UNINTERPRETED_FIELDS);
      assertThat(ProtoLabels.withoutUnknownFields(label)).isEqualTo(clean);
      assertThat(
              org.alliedexchange.api.CanonicalMessages.firstUnknownField(
                  ProtoLabels.withoutUnknownFields(label)))
          .isEmpty();
    }
    assertThat(ProtoLabels.hasUnknownFields(clean)).isFalse();
  }

  @Test
  void theHandWrittenUnknownFieldCheckCoversEveryMessageFieldOfTheLabel() {
    // hasUnknownFields walks the label's shape by hand for speed: a new message field in the schema
    // must be added there, and this fails until it is
    assertThat(messageFields(SecurityLabel.getDescriptor()))
        .containsExactlyInAnyOrder("created_at", "review_at", "release");
    assertThat(messageFields(org.alliedexchange.api.label.v1.Release.getDescriptor()))
        .containsExactly("released_at");
    assertThat(messageFields(com.google.protobuf.Timestamp.getDescriptor())).isEmpty();
  }

  private static java.util.List<String> messageFields(
      com.google.protobuf.Descriptors.Descriptor descriptor) {
    return descriptor.getFields().stream()
        .filter(
            f ->
                f.getJavaType() == com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE)
        .map(com.google.protobuf.Descriptors.FieldDescriptor::getName)
        .toList();
  }
}
