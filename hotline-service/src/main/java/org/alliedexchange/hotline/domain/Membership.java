package org.alliedexchange.hotline.domain;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.Member;
import org.alliedexchange.api.hotline.v1.MemberRole;
import org.alliedexchange.api.hotline.v1.MembershipChange;
import org.alliedexchange.api.label.v1.ClassificationLevel;

/**
 * A nation's members of a conference and how they changed: what a node announces of its own nation
 * (the difference between what it announced last and what its file says now), and whether what a
 * peer announced may be taken (a nation announces only its own members).
 */
public final class Membership {

  /** The most members one nation may announce in one conference. */
  public static final int MAX_MEMBERS = 256;

  /** The longest announcing system's name. */
  private static final int MAX_CHANGED_BY = 128;

  private Membership() {}

  /**
   * How a nation's members of a conference changed.
   *
   * @param added members not there before
   * @param removed members no longer there, as they were
   * @param changedFrom members whose role or clearance changed, as they were
   * @param changedTo the same members, as they are now
   * @param members every member now
   */
  public record Change(
      String conference,
      String nation,
      List<Member> added,
      List<Member> removed,
      List<Member> changedFrom,
      List<Member> changedTo,
      List<Member> members) {

    public boolean isEmpty() {
      return added.isEmpty() && removed.isEmpty() && changedTo.isEmpty();
    }

    /** As relayed: a changed member is removed as it was and added as it is. */
    public MembershipChange toProto(String changedBy) {
      List<Member> addedAll = new ArrayList<>(added);
      addedAll.addAll(changedTo);
      List<Member> removedAll = new ArrayList<>(removed);
      removedAll.addAll(changedFrom);
      return MembershipChange.newBuilder()
          .setConference(conference)
          .addAllAdded(addedAll)
          .addAllRemoved(removedAll)
          .setChangedBy(changedBy)
          .addAllMembers(members)
          .build();
    }

    /** What the audit record says: who was added, removed, changed, e.g. for an auditor. */
    public String describe() {
      List<String> parts = new ArrayList<>();
      if (!added.isEmpty()) {
        parts.add(
            "added " + added.stream().map(Membership::show).collect(Collectors.joining(", ")));
      }
      if (!removed.isEmpty()) {
        parts.add(
            "removed "
                + removed.stream().map(Member::getUsername).collect(Collectors.joining(", ")));
      }
      for (int i = 0; i < changedTo.size(); i++) {
        parts.add(
            "changed "
                + changedTo.get(i).getUsername()
                + " from "
                + roleAndClearance(changedFrom.get(i))
                + " to "
                + roleAndClearance(changedTo.get(i)));
      }
      String text =
          nation
              + "'s members of "
              + conference
              + ": "
              + (parts.isEmpty() ? "unchanged" : String.join("; ", parts));
      // an audit column holds at most 1,024 characters
      return text.length() > 1000 ? text.substring(0, 997) + "..." : text;
    }
  }

  /**
   * The difference from {@code before} to {@code now}, both one nation's members of a conference,
   * matched by username.
   */
  public static Change diff(
      String conference, String nation, List<Member> before, List<Member> now) {
    Map<String, Member> was = byUsername(before);
    Map<String, Member> is = byUsername(now);
    List<Member> added = new ArrayList<>();
    List<Member> changedFrom = new ArrayList<>();
    List<Member> changedTo = new ArrayList<>();
    for (Member member : is.values()) {
      Member earlier = was.get(member.getUsername());
      if (earlier == null) {
        added.add(member);
      } else if (!earlier.equals(member)) {
        changedFrom.add(earlier);
        changedTo.add(member);
      }
    }
    List<Member> removed =
        was.values().stream().filter(m -> !is.containsKey(m.getUsername())).toList();
    return new Change(
        conference, nation, added, removed, changedFrom, changedTo, List.copyOf(is.values()));
  }

  /** The initial members, as a change from nobody: what a node records at its first start. */
  public static Change initial(String conference, String nation, List<Member> members) {
    return diff(conference, nation, List.of(), members);
  }

  /**
   * Why a membership change relayed from {@code origin} for {@code conference} cannot be taken, or
   * null. Every member it names must be of the origin nation, with a realm username, a role and a
   * clearance; its conference must be the item's and one this node knows with the origin in it;
   * what it adds must be among its members and what it removes not (unless re-added, changed).
   */
  public static String problem(
      String origin, String itemConference, MembershipChange change, Optional<Conference> known) {
    if (!change.getConference().equals(itemConference)) {
      return "its membership change names conference "
          + quoted(change.getConference())
          + ", not its item's "
          + itemConference;
    }
    if (known.isEmpty() || !known.get().getNationsList().contains(origin)) {
      return "its membership change is for conference "
          + quoted(itemConference)
          + ", which has no nation "
          + origin
          + " here";
    }
    if (change.getChangedBy().isEmpty()
        || change.getChangedBy().length() > MAX_CHANGED_BY
        || !ConferenceBook.USERNAME.matcher(change.getChangedBy()).matches()) {
      return "its membership change names no valid system that made it";
    }
    if (change.getMembersCount() == 0) {
      return "its membership change leaves " + origin + " with no member in " + itemConference;
    }
    if (change.getMembersCount() > MAX_MEMBERS
        || change.getAddedCount() > MAX_MEMBERS
        || change.getRemovedCount() > 2 * MAX_MEMBERS) {
      return "its membership change names more than " + MAX_MEMBERS + " members";
    }
    List<Member> named = new ArrayList<>(change.getMembersList());
    named.addAll(change.getAddedList());
    named.addAll(change.getRemovedList());
    for (Member member : named) {
      String wrong = memberProblem(origin, member);
      if (wrong != null) {
        return "its membership change " + wrong;
      }
    }
    String taken =
        ConferenceBook.usernameOfAnotherNation(known.get(), origin, change.getMembersList());
    if (taken != null) {
      return "its membership change names "
          + quoted(taken)
          + ", another nation's member of "
          + itemConference
          + ": a nation announces only its own people";
    }
    Map<String, Member> members = new LinkedHashMap<>();
    for (Member member : change.getMembersList()) {
      if (members.put(member.getUsername(), member) != null) {
        return "its membership change names " + member.getUsername() + " twice";
      }
    }
    Set<String> added = new HashSet<>();
    for (Member member : change.getAddedList()) {
      if (!member.equals(members.get(member.getUsername())) || !added.add(member.getUsername())) {
        return "its membership change adds "
            + member.getUsername()
            + ", who is not among its members as added";
      }
    }
    for (Member member : change.getRemovedList()) {
      if (members.containsKey(member.getUsername()) && !added.contains(member.getUsername())) {
        return "its membership change removes "
            + member.getUsername()
            + ", who is still among its members";
      }
    }
    return null;
  }

  /** Why a member named by {@code origin}'s node is not one it may name, or null. */
  private static String memberProblem(String origin, Member member) {
    if (!member.getNation().equals(origin)) {
      return "names "
          + quoted(member.getUsername())
          + " of "
          + quoted(member.getNation())
          + ": a nation announces only its own members, and this is "
          + origin
          + "'s";
    }
    if (!ConferenceBook.USERNAME.matcher(member.getUsername()).matches()) {
      return "names " + quoted(member.getUsername()) + ", not a realm username";
    }
    if (member.getRole() == MemberRole.MEMBER_ROLE_UNSPECIFIED
        || member.getRole() == MemberRole.UNRECOGNIZED) {
      return "gives " + member.getUsername() + " no known role";
    }
    if (member.getClearance() == ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED
        || member.getClearance() == ClassificationLevel.UNRECOGNIZED) {
      return "gives " + member.getUsername() + " no known clearance";
    }
    return null;
  }

  private static Map<String, Member> byUsername(List<Member> members) {
    Map<String, Member> map = new LinkedHashMap<>();
    for (Member member : members) {
      map.put(member.getUsername(), member);
    }
    return map;
  }

  private static String show(Member member) {
    return member.getUsername() + " (" + roleAndClearance(member) + ")";
  }

  private static String roleAndClearance(Member member) {
    return member.getRole().name().replace("MEMBER_ROLE_", "")
        + ", "
        + member.getClearance().name().replace("CLASSIFICATION_LEVEL_", "");
  }

  /** Hostile text shown in a log or an error: bounded, printable. */
  private static String quoted(String text) {
    String shown = text.length() > 64 ? text.substring(0, 64) + "..." : text;
    return "'" + shown.replaceAll("[^\\x20-\\x7e]", "?") + "'";
  }
}
