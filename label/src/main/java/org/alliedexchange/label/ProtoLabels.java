package org.alliedexchange.label;

import java.util.LinkedHashSet;
import java.util.Set;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.DisseminationControl;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.policy.Label;
import org.alliedexchange.policy.Level;

/**
 * The API's {@link SecurityLabel} as the releasability engine's {@link Label}, and back. Anything the
 * engine could not interpret survives the mapping as something it denies: an enum number this build
 * does not know becomes an unrecognised level or an unknown control, never "nothing".
 */
public final class ProtoLabels {

  private ProtoLabels() {}

  public static Label toDomain(SecurityLabel label) {
    ClassificationLevel level = label.getLevel();
    boolean unrecognized = level == ClassificationLevel.UNRECOGNIZED;
    Set<String> controls = new LinkedHashSet<>();
    for (int i = 0; i < label.getControlsCount(); i++) {
      DisseminationControl control = label.getControls(i);
      controls.add(control == DisseminationControl.UNRECOGNIZED
          ? "UNRECOGNIZED(" + label.getControlsValue(i) + ")"
          : control.name().replace("DISSEMINATION_CONTROL_", ""));
    }
    return new Label(
        label.getPolicy(),
        unrecognized ? null : toDomain(level),
        label.getMarking().isEmpty() ? null : label.getMarking(),
        label.getOriginator(),
        new LinkedHashSet<>(label.getReleasableToList()),
        new LinkedHashSet<>(label.getCommunitiesList()),
        controls,
        unrecognized);
  }

  /** The common level of an API level; null for unspecified (and for unrecognised: check that first). */
  public static Level toDomain(ClassificationLevel level) {
    return switch (level) {
      case CLASSIFICATION_LEVEL_UNCLASSIFIED -> Level.UNCLASSIFIED;
      case CLASSIFICATION_LEVEL_RESTRICTED -> Level.RESTRICTED;
      case CLASSIFICATION_LEVEL_CONFIDENTIAL -> Level.CONFIDENTIAL;
      case CLASSIFICATION_LEVEL_SECRET -> Level.SECRET;
      case CLASSIFICATION_LEVEL_TOP_SECRET -> Level.TOP_SECRET;
      case CLASSIFICATION_LEVEL_UNSPECIFIED, UNRECOGNIZED -> null;
    };
  }

  public static ClassificationLevel toProto(Level level) {
    if (level == null) {
      return ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED;
    }
    return switch (level) {
      case UNCLASSIFIED -> ClassificationLevel.CLASSIFICATION_LEVEL_UNCLASSIFIED;
      case RESTRICTED -> ClassificationLevel.CLASSIFICATION_LEVEL_RESTRICTED;
      case CONFIDENTIAL -> ClassificationLevel.CLASSIFICATION_LEVEL_CONFIDENTIAL;
      case SECRET -> ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
      case TOP_SECRET -> ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET;
    };
  }
}
