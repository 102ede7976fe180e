package org.alliedexchange.auditstream;

import java.util.List;
import java.util.Optional;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;

/**
 * Who appends to the audit stream, and so which stream: each writer has a key of its own, derived
 * from the federation's base key ({@link AuditStream#DEFAULT_KEY} unless configured), and Redis
 * lets each writer's ACL user append to its own key only. The audit service reads them all and
 * stores from each only what its writer may record ({@link #refusal}); anything else is
 * dead-lettered. So a compromised exchange service can write only its own nation's records, never
 * one in a relationship it is not part of. (A hotline node's step is chained only in the pairs of
 * its own nation with the other parties, so naming other parties reaches no chain of two others.)
 *
 * <ul>
 *   <li>{@link #gateway()}: the base key itself. The guard's transfer records, of every
 *       relationship (it decides every message that crosses), and agreement status changes (its
 *       admin API).
 *   <li>{@link #exchange(String)}: {@code <base>:exchange:<NATION>}. That nation's service's
 *       records of its own products: refusals (DENY transfer records, withheld rows and their
 *       summaries, to a named recipient nation) and served-product records; its amendments of their
 *       releasability; and binding violations found in its store. Never a PERMIT: only the guard
 *       decides a release.
 *   <li>{@link #hotline(String)}: {@code <base>:hotline:<NATION>}. That nation's node's steps of
 *       conferences it is a party to.
 *   <li>{@link #identity()}: {@code <base>:identity}. Keycloak's listener: identity changes.
 * </ul>
 *
 * @param kind what writes
 * @param nation the nation an exchange service or hotline node serves; empty for the others
 */
public record AuditWriter(Kind kind, String nation) {

  /** The kinds of writer. */
  public enum Kind {
    GATEWAY("the gateways"),
    EXCHANGE("the exchange service of "),
    HOTLINE("the hotline node of "),
    IDENTITY("Keycloak's identity listener");

    private final String title;

    Kind(String title) {
      this.title = title;
    }
  }

  public AuditWriter {
    if (kind == null) {
      throw new IllegalArgumentException("an audit writer has a kind");
    }
    nation = nation == null ? "" : nation;
    boolean national = kind == Kind.EXCHANGE || kind == Kind.HOTLINE;
    if (national != AuditEventRules.isNation(nation)) {
      throw new IllegalArgumentException(
          national
              ? kind.title
                  + "a nation: ISO 3166-1 alpha-3 in upper case, not \""
                  + AuditEventRules.printable(nation, 40)
                  + "\""
              : kind.title + " serve no one nation");
    }
  }

  public static AuditWriter gateway() {
    return new AuditWriter(Kind.GATEWAY, "");
  }

  public static AuditWriter exchange(String nation) {
    return new AuditWriter(Kind.EXCHANGE, nation);
  }

  public static AuditWriter hotline(String nation) {
    return new AuditWriter(Kind.HOTLINE, nation);
  }

  public static AuditWriter identity() {
    return new AuditWriter(Kind.IDENTITY, "");
  }

  /** Every writer of a federation of these nations, the gateways first. */
  public static List<AuditWriter> of(List<String> nations) {
    List<AuditWriter> writers = new java.util.ArrayList<>();
    writers.add(gateway());
    writers.add(identity());
    for (String nation : nations) {
      writers.add(exchange(nation));
      writers.add(hotline(nation));
    }
    return List.copyOf(writers);
  }

  /** This writer's stream, under the federation's base key ({@code allied:audit} by default). */
  public String streamKey(String base) {
    String root = base == null || base.isBlank() ? AuditStream.DEFAULT_KEY : base;
    return switch (kind) {
      case GATEWAY -> root;
      case EXCHANGE -> root + ":exchange:" + nation;
      case HOTLINE -> root + ":hotline:" + nation;
      case IDENTITY -> root + ":identity";
    };
  }

  /** This writer's stream under the default base key. */
  public String streamKey() {
    return streamKey(AuditStream.DEFAULT_KEY);
  }

  /** Who this is, in words: "the exchange service of KOR". */
  @Override
  public String toString() {
    return kind.title + nation;
  }

  /**
   * Why this writer may not record {@code event}; empty when it may. The event is one {@link
   * AuditEventRules} already found storable.
   */
  public Optional<String> refusal(AuditEvent event) {
    return switch (kind) {
      case GATEWAY ->
          event.getEventCase() == AuditEvent.EventCase.TRANSFER
                  || event.getEventCase() == AuditEvent.EventCase.AGREEMENT_STATUS_CHANGED
              ? Optional.empty()
              : notItsKind(event);
      case IDENTITY ->
          event.getEventCase() == AuditEvent.EventCase.IDENTITY_CHANGED
              ? Optional.empty()
              : notItsKind(event);
      case EXCHANGE -> exchangeRefusal(event);
      case HOTLINE -> {
        if (event.getEventCase() != AuditEvent.EventCase.HOTLINE) {
          yield notItsKind(event);
        }
        var hotline = event.getHotline();
        if (!hotline.getNode().equals(nation)) {
          yield Optional.of(this + " wrote a step naming the node " + quote(hotline.getNode()));
        }
        yield hotline.getPartiesList().contains(nation)
            ? Optional.empty()
            : Optional.of(
                this
                    + " wrote a step of a conference of "
                    + hotline.getPartiesList()
                    + ", which "
                    + nation
                    + " is not a party to");
      }
    };
  }

  private Optional<String> exchangeRefusal(AuditEvent event) {
    return switch (event.getEventCase()) {
      case TRANSFER -> {
        var transfer = event.getTransfer();
        yield own("transfer.source_nation", transfer.getSourceNation(), true)
            .or(() -> own("transfer.label.originator", transfer.getLabel().getOriginator(), false))
            .or(() -> recipient("transfer.recipient_nation", transfer.getRecipientNation()))
            .or(
                () ->
                    transfer.getDecision() == Decision.DECISION_DENY
                        ? Optional.empty()
                        : Optional.of(
                            this
                                + " may record only refusals (DENY), not a transfer decided "
                                + transfer.getDecision().name()
                                + ": releases are the guard's to decide"));
      }
      case PRODUCT_SERVED -> {
        var served = event.getProductServed();
        yield own("product_served.source_nation", served.getSourceNation(), true)
            .or(
                () ->
                    own(
                        "product_served.label.originator",
                        served.getLabel().getOriginator(),
                        false));
      }
      case RELEASABILITY_AMENDED ->
          own(
              "releasability_amended.originator",
              event.getReleasabilityAmended().getOriginator(),
              true);
      case BINDING_VIOLATION ->
          own("binding_violation.nation", event.getBindingViolation().getNation(), true);
      default -> notItsKind(event);
    };
  }

  /** The field names this writer's nation (or, when not {@code required}, nothing). */
  private Optional<String> own(String field, String value, boolean required) {
    if (value.equals(nation) || (!required && value.isEmpty())) {
      return Optional.empty();
    }
    return Optional.of(
        this + " wrote a record whose " + field + " is " + quote(value) + ", not " + nation);
  }

  /** A record of something handed towards a caller names the caller's nation. */
  private Optional<String> recipient(String field, String value) {
    return value.isEmpty()
        ? Optional.of(this + " wrote a record whose " + field + " is empty")
        : Optional.empty();
  }

  private Optional<String> notItsKind(AuditEvent event) {
    return Optional.of(
        this
            + " may not record "
            + event.getEventCase().name().toLowerCase(java.util.Locale.ROOT)
            + " events");
  }

  private static String quote(String value) {
    return "\"" + AuditEventRules.printable(value, 40) + "\"";
  }
}
