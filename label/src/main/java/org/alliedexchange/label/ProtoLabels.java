package org.alliedexchange.label;

import java.util.LinkedHashSet;
import java.util.Set;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.DisseminationControl;
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
    Set<String> controls = new LinkedHashSet<>();
    for (int i = 0; i < label.getControlsCount(); i++) {
      DisseminationControl control = label.getControls(i);
      controls.add(
          control == DisseminationControl.UNRECOGNIZED
              ? "UNRECOGNIZED(" + label.getControlsValue(i) + ")"
              : WireMapping.shortName(control));
    }
    return new Label(
        label.getPolicy(),
        unrecognized ? null : WireMapping.level(level),
        label.getMarking().isEmpty() ? null : label.getMarking(),
        label.getOriginator(),
        new LinkedHashSet<>(label.getReleasableToList()),
        new LinkedHashSet<>(label.getCommunitiesList()),
        controls,
        unrecognized);
  }
}
