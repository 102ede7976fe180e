package org.alliedexchange.label;

import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.UnknownFieldSet;
import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.DisseminationControl;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.policy.Label;

/**
 * The API's {@link SecurityLabel} as the releasability engine's {@link Label}. Anything the engine
 * could not interpret survives the mapping as something it denies: an enum number this build does
 * not know becomes an unrecognised level or an unknown control, never "nothing".
 */
public final class ProtoLabels {

  private ProtoLabels() {}

  public static Label toDomain(SecurityLabel label) {
    ClassificationLevel level = label.getLevel();
    boolean unrecognized = level == ClassificationLevel.UNRECOGNIZED;
    List<String> controls = new ArrayList<>(label.getControlsCount());
    for (int i = 0; i < label.getControlsCount(); i++) {
      DisseminationControl control = label.getControls(i);
      controls.add(
          control == DisseminationControl.UNRECOGNIZED
              ? "UNRECOGNIZED(" + label.getControlsValue(i) + ")"
              : WireMapping.shortName(control));
    }
    return Label.of(
        label.getPolicy(),
        unrecognized ? null : WireMapping.level(level),
        label.getMarking().isEmpty() ? null : label.getMarking(),
        label.getOriginator(),
        label.getReleasableToList(),
        label.getCommunitiesList(),
        controls,
        unrecognized,
        hasUnknownFields(label));
  }

  /**
   * Whether the label holds a field its schema does not know, at any depth: the label and its
   * timestamps and release, checked directly (this runs for every message the guard decides, so it
   * walks the known shape instead of reflecting over descriptors).
   */
  public static boolean hasUnknownFields(SecurityLabel label) {
    if (unknown(label) || unknown(label.getCreatedAt()) || unknown(label.getReviewAt())) {
      return true;
    }
    if (!label.hasRelease()) {
      return false;
    }
    Release release = label.getRelease();
    return unknown(release) || unknown(release.getReleasedAt());
  }

  /**
   * The label with every field its schema does not know dropped, at any depth: what a record of a
   * refusal may carry, so the record itself holds only what the audit service can interpret.
   */
  public static SecurityLabel withoutUnknownFields(SecurityLabel label) {
    if (!hasUnknownFields(label)) {
      return label;
    }
    SecurityLabel.Builder clean =
        label.toBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance());
    if (label.hasCreatedAt()) {
      clean.setCreatedAt(
          label.getCreatedAt().toBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance()));
    }
    if (label.hasReviewAt()) {
      clean.setReviewAt(
          label.getReviewAt().toBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance()));
    }
    if (label.hasRelease()) {
      Release.Builder release =
          label.getRelease().toBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance());
      if (label.getRelease().hasReleasedAt()) {
        release.setReleasedAt(
            label.getRelease().getReleasedAt().toBuilder()
                .setUnknownFields(UnknownFieldSet.getDefaultInstance()));
      }
      clean.setRelease(release);
    }
    return clean.build();
  }

  private static boolean unknown(MessageOrBuilder message) {
    return message.getUnknownFields().getSerializedSize() != 0;
  }
}
