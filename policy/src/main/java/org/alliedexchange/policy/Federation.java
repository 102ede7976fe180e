package org.alliedexchange.policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable snapshot of the federation's policy: the nations' marking schemes and the agreements
 * between them. A change (an agreement suspended, say) makes a new snapshot; readers never see half
 * of one. Built by {@link FederationConfig}, which validates it.
 */
public final class Federation {

  private static final Agreement[] NONE = new Agreement[0];

  private final Map<String, NationalScheme> nations;
  private final Map<String, Agreement> agreements;
  private final Map<String, Set<String>> nationsByMarking;
  // originator -> recipient -> agreements between them, in configuration order
  private final Map<String, Map<String, Agreement[]>> agreementsByPair;

  Federation(Collection<NationalScheme> nations, Collection<Agreement> agreements) {
    Map<String, NationalScheme> byCode = new LinkedHashMap<>();
    Map<String, Set<String>> byMarking = new HashMap<>();
    for (NationalScheme nation : nations) {
      byCode.put(nation.code(), nation);
      nation
          .markingsByLevel()
          .values()
          .forEach(
              markings ->
                  markings.forEach(
                      marking ->
                          byMarking
                              .computeIfAbsent(marking, m -> new HashSet<>())
                              .add(nation.code())));
    }
    Map<String, Agreement> byId = new LinkedHashMap<>();
    Map<String, Map<String, List<Agreement>>> pairs = new HashMap<>();
    for (Agreement agreement : agreements) {
      byId.put(agreement.id(), agreement);
      for (String a : agreement.parties()) {
        for (String b : agreement.parties()) {
          if (!a.equals(b)) {
            pairs
                .computeIfAbsent(a, k -> new HashMap<>())
                .computeIfAbsent(b, k -> new ArrayList<>())
                .add(agreement);
          }
        }
      }
    }
    Map<String, Map<String, Agreement[]>> frozen = new HashMap<>();
    pairs.forEach(
        (a, inner) -> {
          Map<String, Agreement[]> row = new HashMap<>();
          inner.forEach((b, list) -> row.put(b, list.toArray(NONE)));
          frozen.put(a, Map.copyOf(row));
        });
    Map<String, Set<String>> frozenMarkings = new HashMap<>();
    byMarking.forEach((marking, codes) -> frozenMarkings.put(marking, Set.copyOf(codes)));
    this.nations = java.util.Collections.unmodifiableMap(byCode);
    this.agreements = java.util.Collections.unmodifiableMap(byId);
    this.nationsByMarking = Map.copyOf(frozenMarkings);
    this.agreementsByPair = Map.copyOf(frozen);
  }

  /** The nation with this code, or null. */
  public NationalScheme nation(String code) {
    return code == null ? null : nations.get(code);
  }

  /** Every nation, in configuration order. */
  public Collection<NationalScheme> nations() {
    return nations.values();
  }

  /** The agreement with this id, or null. */
  public Agreement agreement(String id) {
    return id == null ? null : agreements.get(id);
  }

  /** Every agreement, in configuration order. */
  public Collection<Agreement> agreements() {
    return agreements.values();
  }

  /** The agreements to which both nations are party, in configuration order; empty when none. */
  Agreement[] agreementsBetween(String a, String b) {
    Map<String, Agreement[]> row = a == null ? null : agreementsByPair.get(a);
    Agreement[] found = row == null || b == null ? null : row.get(b);
    return found == null ? NONE : found;
  }

  /** The nations whose schemes hold this marking. */
  Set<String> nationsWithMarking(String marking) {
    return marking == null ? Set.of() : nationsByMarking.getOrDefault(marking, Set.of());
  }

  /**
   * The equivalent of one nation's marking in another's scheme (GSOMIA Art. 4), by the common
   * level; empty when either nation or the marking is unknown, or the target has no marking at that
   * level.
   */
  public Optional<String> translate(String fromNation, String marking, String toNation) {
    NationalScheme from = nation(fromNation);
    NationalScheme to = nation(toNation);
    if (from == null || to == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(to.markingAt(from.levelOf(marking)));
  }

  /**
   * A new snapshot in which the agreement's status changes to {@code status} from {@code from}.
   *
   * @throws IllegalArgumentException for an unknown agreement, a change not after the last one, or
   *     any change after a termination
   */
  public Federation withAgreementStatus(String agreementId, AgreementStatus status, Instant from) {
    Agreement current = agreement(agreementId);
    if (current == null) {
      throw new IllegalArgumentException(
          "unknown agreement " + agreementId + "; known: " + agreements.keySet());
    }
    Agreement changed = current.withStatus(status, from);
    List<Agreement> next = new ArrayList<>(agreements.values());
    next.replaceAll(a -> a.id().equals(agreementId) ? changed : a);
    return new Federation(nations.values(), next);
  }
}
