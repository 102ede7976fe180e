package org.alliedexchange.hotline.node;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.Member;
import org.alliedexchange.api.hotline.v1.MembershipChange;
import org.alliedexchange.api.hotline.v1.RelayContent;
import org.alliedexchange.hotline.domain.ConferenceBook;
import org.alliedexchange.hotline.domain.Membership;
import org.alliedexchange.hotline.store.MembershipStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conference membership as each nation announces its own. At start-up the node compares its
 * conference file's members of its own nation with what it recorded last: the first time it records
 * them (audited, not relayed); after a change it audits it, relays it to its peers as a FLASH
 * MEMBERSHIP item and records it, in one ledger step. What a peer relays is checked as hostile
 * input, recorded, audited, and replaces that peer nation's members in this node's view ({@link
 * ConferenceBook#announce}), which every check of members reads.
 */
public final class Memberships {

  private static final Logger log = LoggerFactory.getLogger(Memberships.class);

  private final HotlineNode node;
  private final ConferenceBook book;
  private final MembershipStore store;
  // per conference and peer nation, the number of the announcement the view shows
  private final Map<String, Long> applied = new HashMap<>();

  public Memberships(HotlineNode node, ConferenceBook book, MembershipStore store) {
    this.node = node;
    this.book = book;
    this.store = store;
  }

  /**
   * Before the node serves: the peers' announced members into the view, then this nation's own
   * members compared with what was recorded, each difference audited, relayed and recorded.
   */
  public void start() {
    Map<String, MembershipStore.Recorded> own = new HashMap<>();
    for (MembershipStore.Recorded recorded : store.all()) {
      if (recorded.nation().equals(node.nation())) {
        own.put(recorded.conference(), recorded);
        continue;
      }
      String problem =
          Membership.problem(
              recorded.nation(),
              recorded.conference(),
              recorded.change(),
              book.fromFile(recorded.conference()));
      if (problem != null) {
        // the file no longer has that conference or nation: the file's members stand
        log.warn(
            "{}'s recorded members of {} are not applied: {}",
            recorded.nation(),
            recorded.conference(),
            problem);
        continue;
      }
      apply(recorded.conference(), recorded.nation(), recorded.sequence(), recorded.change());
    }
    for (Conference conference : book.ofNation(node.nation())) {
      reconcileOwn(conference, Optional.ofNullable(own.get(conference.getId())));
    }
  }

  private void reconcileOwn(Conference conference, Optional<MembershipStore.Recorded> recorded) {
    String id = conference.getId();
    String nation = node.nation();
    List<Member> now = ConferenceBook.membersOf(book.fromFile(id).orElseThrow(), nation);
    if (recorded.isEmpty()) {
      // the first start: recorded and audited, not relayed (a fresh federation's streams unchanged)
      Membership.Change initial = Membership.initial(id, nation, now);
      MembershipChange change = initial.toProto(node.system());
      node.membershipStep(
          id,
          null,
          (connection, sequence) -> {
            store.record(connection, id, nation, 0, change);
            return List.of(
                event(conference, nation, node.system(), 0, "first record: " + initial.describe()));
          });
      log.info("recorded {}'s initial members of {}", nation, id);
      return;
    }
    Membership.Change change =
        Membership.diff(id, nation, recorded.get().change().getMembersList(), now);
    if (change.isEmpty()) {
      return;
    }
    MembershipChange announced = change.toProto(node.system());
    node.membershipStep(
        id,
        announced,
        (connection, sequence) -> {
          store.record(connection, id, nation, sequence, announced);
          return List.of(event(conference, nation, node.system(), sequence, change.describe()));
        });
    log.info("announced to the peers of {}: {}", id, change.describe());
  }

  /** Why a relayed MEMBERSHIP item cannot be taken from {@code peer}, or null. */
  public String problem(String peer, RelayContent content) {
    return Membership.problem(
        peer,
        content.getConference(),
        content.getMembership(),
        book.fromFile(content.getConference()));
  }

  /**
   * A peer's MEMBERSHIP item (checked by {@link #problem}) in the step that stores it: recorded and
   * audited; the view changes once the step commits.
   */
  public void taken(
      Connection connection,
      String peer,
      long sequence,
      MembershipChange change,
      Consumer<HotlineEvent> audits,
      Consumer<Runnable> afterCommit)
      throws SQLException {
    Conference conference = book.find(change.getConference()).orElseThrow();
    Membership.Change difference =
        Membership.diff(
            conference.getId(),
            peer,
            ConferenceBook.membersOf(conference, peer),
            change.getMembersList());
    boolean latest = store.record(connection, conference.getId(), peer, sequence, change);
    audits.accept(
        event(
            conference,
            peer,
            change.getChangedBy(),
            sequence,
            latest
                ? difference.describe()
                : peer + "'s announcement " + sequence + " came after a later one: not applied"));
    if (latest) {
      afterCommit.accept(() -> apply(conference.getId(), peer, sequence, change));
      log.info("{} announced (item {}): {}", peer, sequence, difference.describe());
    }
  }

  /** The view shows this announcement, unless it shows a later one already. */
  private synchronized void apply(
      String conference, String nation, long sequence, MembershipChange change) {
    String key = conference + "\u0000" + nation;
    Long shown = applied.get(key);
    if (shown != null && shown > sequence) {
      return;
    }
    applied.put(key, sequence);
    book.announce(conference, nation, change.getMembersList());
  }

  private static HotlineEvent event(
      Conference conference, String party, String actor, long sequence, String reason) {
    return HotlineEvent.newBuilder()
        .setKind(HotlineEvent.Kind.MEMBERSHIP)
        .setConference(conference.getId())
        .addAllParties(conference.getNationsList())
        .setParty(party)
        .setActor(actor)
        .setSequence(sequence)
        .setReason(reason)
        .build();
  }
}
