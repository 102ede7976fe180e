package org.alliedexchange.audit.chain;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.alliedexchange.api.audit.v1.AuditEvent;

/**
 * Which chains an event belongs to. A bilateral relationship is named by its two nations in
 * alphabetical order ("JPN-KOR"); what concerns one nation alone (a domestic transfer, an identity
 * change, a binding violation) goes to that nation's own chain ("KOR"). Names are made only from
 * nations spelled as ISO 3166-1 alpha-3 in upper case, so every name is a valid key and column.
 */
public final class Relationships {

  /** The chain of events that name no nation. */
  public static final String UNKNOWN = "UNKNOWN";

  /**
   * The chain of identity changes that are no one nation's (client scopes, protocol mappers, keys,
   * flows, realm settings): every nation's auditors read it.
   */
  public static final String FEDERATION = "FEDERATION";

  private static final Pattern NATION = Pattern.compile("[A-Z]{3}");

  private Relationships() {}

  /**
   * The relationship of two nations (one nation's own chain when they are the same).
   *
   * @throws IllegalArgumentException when either is not a nation in upper-case alpha-3
   */
  public static String between(String a, String b) {
    requireNation(a);
    requireNation(b);
    if (a.equals(b)) {
      return a;
    }
    return a.compareTo(b) < 0 ? a + "-" + b : b + "-" + a;
  }

  /**
   * Whether {@code name} is a name this class makes: "KOR", "JPN-KOR" (in order), FEDERATION or
   * UNKNOWN.
   */
  public static boolean isValid(String name) {
    if (name == null) {
      return false;
    }
    if (name.equals(UNKNOWN) || name.equals(FEDERATION) || NATION.matcher(name).matches()) {
      return true;
    }
    String[] nations = name.split("-", -1);
    return nations.length == 2
        && NATION.matcher(nations[0]).matches()
        && NATION.matcher(nations[1]).matches()
        && nations[0].compareTo(nations[1]) < 0;
  }

  /**
   * The relationships an event is recorded in; never empty (an event naming no nation goes to
   * {@link #UNKNOWN}).
   *
   * @throws IllegalArgumentException when a nation it names is not upper-case alpha-3
   */
  public static List<String> of(AuditEvent event) {
    List<String> out = collect(event, true);
    if (out.isEmpty()) {
      out.add(UNKNOWN);
    }
    return List.copyOf(new TreeSet<>(out));
  }

  /**
   * The relationships an event that cannot be stored can still be attributed to: those its
   * well-formed nations make; empty when there are none.
   */
  public static List<String> attributable(AuditEvent event) {
    return List.copyOf(new TreeSet<>(collect(event, false)));
  }

  private static List<String> collect(AuditEvent event, boolean strict) {
    List<String> out = new ArrayList<>();
    switch (event.getEventCase()) {
      case TRANSFER -> {
        var transfer = event.getTransfer();
        String originator =
            transfer.getLabel().getOriginator().isEmpty()
                ? transfer.getSourceNation()
                : transfer.getLabel().getOriginator();
        if (!originator.isEmpty() && !transfer.getRecipientNation().isEmpty()) {
          pair(out, originator, transfer.getRecipientNation(), strict);
        }
      }
      case RELEASABILITY_AMENDED -> {
        // an amendment matters to every relationship whose releasability it changes, and always
        // to the originator's own chain (so one that touches no nation is still its originator's)
        var amended = event.getReleasabilityAmended();
        TreeSet<String> touched = new TreeSet<>(amended.getPreviousReleasableToList());
        touched.addAll(amended.getReleasableToList());
        touched.add(amended.getOriginator());
        for (String nation : touched) {
          pair(out, amended.getOriginator(), nation, strict);
        }
      }
      case AGREEMENT_STATUS_CHANGED -> {
        List<String> parties = event.getAgreementStatusChanged().getPartiesList();
        for (int i = 0; i < parties.size(); i++) {
          for (int j = i + 1; j < parties.size(); j++) {
            pair(out, parties.get(i), parties.get(j), strict);
          }
        }
      }
      case IDENTITY_CHANGED -> {
        if (!event.getIdentityChanged().getNation().isEmpty()) {
          pair(
              out,
              event.getIdentityChanged().getNation(),
              event.getIdentityChanged().getNation(),
              strict);
        } else {
          // a realm-wide change: no one nation's, so every nation's auditors' to read
          out.add(FEDERATION);
        }
      }
      case BINDING_VIOLATION -> {
        if (!event.getBindingViolation().getNation().isEmpty()) {
          pair(
              out,
              event.getBindingViolation().getNation(),
              event.getBindingViolation().getNation(),
              strict);
        }
      }
      case PRODUCT_SERVED -> {
        var served = event.getProductServed();
        String originator =
            served.getLabel().getOriginator().isEmpty()
                ? served.getSourceNation()
                : served.getLabel().getOriginator();
        if (!originator.isEmpty() && !served.getRecipientNation().isEmpty()) {
          pair(out, originator, served.getRecipientNation(), strict);
        }
      }
      case HOTLINE -> {
        // A node's step is chained only in the pairs of its own nation with each other party, or
        // its own chain for a step of its nation alone: a pair's chain is written by that pair's
        // nodes, so no node can put a step in a chain of two other nations. (A trilateral
        // conference's JPN-USA chain holds what JPN's and USA's nodes recorded of it.)
        var hotline = event.getHotline();
        String node = hotline.getNode();
        if (node.isEmpty()) {
          if (strict) {
            requireNation(node);
          }
          break;
        }
        boolean alone = true;
        for (String party : new TreeSet<>(hotline.getPartiesList())) {
          if (!party.equals(node)) {
            pair(out, node, party, strict);
            alone = false;
          }
        }
        if (alone) {
          pair(out, node, node, strict);
        }
      }
      case EVENT_NOT_SET -> {}
    }
    return out;
  }

  private static void pair(List<String> out, String a, String b, boolean strict) {
    if (strict || (isNation(a) && isNation(b))) {
      out.add(between(a, b));
    }
  }

  private static boolean isNation(String code) {
    return code != null && NATION.matcher(code).matches();
  }

  private static void requireNation(String code) {
    if (!isNation(code)) {
      throw new IllegalArgumentException(
          "a relationship is made of ISO 3166-1 alpha-3 nations in upper case, not \""
              + printable(code)
              + "\"");
    }
  }

  private static String printable(String code) {
    StringBuilder out = new StringBuilder();
    for (char c : String.valueOf(code).toCharArray()) {
      if (out.length() > 40) {
        return out.append('…').toString();
      }
      out.append(
          Character.isISOControl(c) || Character.isSurrogate(c)
              ? String.format("\\u%04x", (int) c)
              : String.valueOf(c));
    }
    return out.toString();
  }
}
