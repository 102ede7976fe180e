package org.alliedexchange.audit.chain;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.alliedexchange.api.audit.v1.AuditEvent;

/**
 * Which chains an event belongs to. A bilateral relationship is named by its two nations in
 * alphabetical order ("JPN-KOR"); what concerns one nation alone (a domestic transfer, an identity
 * change, a binding violation) goes to that nation's own chain ("KOR").
 */
public final class Relationships {

  private Relationships() {}

  public static String between(String a, String b) {
    if (a.equals(b)) {
      return a;
    }
    return a.compareTo(b) < 0 ? a + "-" + b : b + "-" + a;
  }

  /**
   * The relationships an event is recorded in; never empty (an event naming no nation goes to
   * "UNKNOWN").
   */
  public static List<String> of(AuditEvent event) {
    List<String> out = new ArrayList<>();
    switch (event.getEventCase()) {
      case TRANSFER -> {
        var transfer = event.getTransfer();
        String originator =
            transfer.getLabel().getOriginator().isEmpty()
                ? transfer.getSourceNation()
                : transfer.getLabel().getOriginator();
        if (!originator.isEmpty() && !transfer.getRecipientNation().isEmpty()) {
          out.add(between(originator, transfer.getRecipientNation()));
        }
      }
      case RELEASABILITY_AMENDED -> {
        // an amendment matters to every relationship whose releasability it changes
        var amended = event.getReleasabilityAmended();
        TreeSet<String> touched = new TreeSet<>(amended.getPreviousReleasableToList());
        touched.addAll(amended.getReleasableToList());
        for (String nation : touched) {
          out.add(between(amended.getOriginator(), nation));
        }
      }
      case AGREEMENT_STATUS_CHANGED -> {
        List<String> parties = event.getAgreementStatusChanged().getPartiesList();
        for (int i = 0; i < parties.size(); i++) {
          for (int j = i + 1; j < parties.size(); j++) {
            out.add(between(parties.get(i), parties.get(j)));
          }
        }
      }
      case IDENTITY_CHANGED -> {
        if (!event.getIdentityChanged().getNation().isEmpty()) {
          out.add(event.getIdentityChanged().getNation());
        }
      }
      case BINDING_VIOLATION -> {
        if (!event.getBindingViolation().getNation().isEmpty()) {
          out.add(event.getBindingViolation().getNation());
        }
      }
      case EVENT_NOT_SET -> {}
    }
    if (out.isEmpty()) {
      out.add("UNKNOWN");
    }
    return List.copyOf(new TreeSet<>(out));
  }
}
