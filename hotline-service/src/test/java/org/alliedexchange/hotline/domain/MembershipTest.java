package org.alliedexchange.hotline.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.Member;
import org.alliedexchange.api.hotline.v1.MemberRole;
import org.alliedexchange.api.hotline.v1.MembershipChange;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.junit.jupiter.api.Test;

class MembershipTest {

  static final String TRILATERAL = "JPN-KOR-USA";

  final ConferenceBook book = ConferenceBook.loadBuiltIn();
  final Conference trilateral = book.fromFile(TRILATERAL).orElseThrow();
  final List<Member> japan = ConferenceBook.membersOf(trilateral, "JPN");

  /** Japan's members with the adviser removed and the watch officer lowered to CONFIDENTIAL. */
  List<Member> japanChanged() {
    return List.of(
        japan.get(0),
        japan.get(2).toBuilder()
            .setClearance(ClassificationLevel.CLASSIFICATION_LEVEL_CONFIDENTIAL)
            .build());
  }

  @Test
  void theSameMembersAreNoChange() {
    assertThat(Membership.diff(TRILATERAL, "JPN", japan, List.copyOf(japan)).isEmpty()).isTrue();
  }

  @Test
  void aRemovedMemberAndALoweredClearanceAreSaidByName() {
    Member added =
        Member.newBuilder()
            .setUsername("jpn-duty-officer")
            .setNation("JPN")
            .setRole(MemberRole.MEMBER_ROLE_WATCH_OFFICER)
            .setClearance(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
            .build();
    List<Member> now = new java.util.ArrayList<>(japanChanged());
    now.add(added);

    Membership.Change change = Membership.diff(TRILATERAL, "JPN", japan, now);

    assertThat(change.added()).containsExactly(added);
    assertThat(change.removed()).extracting(Member::getUsername).containsExactly("jpn-nsa");
    assertThat(change.changedTo()).containsExactly(now.get(1));
    assertThat(change.describe())
        .isEqualTo(
            "JPN's members of JPN-KOR-USA: added jpn-duty-officer (WATCH_OFFICER, SECRET);"
                + " removed jpn-nsa; changed jpn-watch-officer from WATCH_OFFICER, SECRET to"
                + " WATCH_OFFICER, CONFIDENTIAL");
    MembershipChange relayed = change.toProto("jpn-hotline");
    // a changed member is removed as it was and added as it is
    assertThat(relayed.getAddedList()).containsExactly(added, now.get(1));
    assertThat(relayed.getRemovedList()).containsExactly(japan.get(1), japan.get(2));
    assertThat(relayed.getMembersList()).containsExactlyElementsOf(now);
    assertThat(Membership.problem("JPN", TRILATERAL, relayed, Optional.of(trilateral))).isNull();
  }

  @Test
  void theFirstRecordAddsEveryone() {
    Membership.Change initial = Membership.initial(TRILATERAL, "JPN", japan);
    assertThat(initial.added()).containsExactlyElementsOf(japan);
    assertThat(initial.removed()).isEmpty();
  }

  @Test
  void aPeerAnnouncingAnotherNationsMemberIsRefused() {
    Member korean =
        ConferenceBook.member(trilateral, "kor-watch-officer").orElseThrow().toBuilder()
            .setClearance(ClassificationLevel.CLASSIFICATION_LEVEL_RESTRICTED)
            .build();
    MembershipChange lying =
        Membership.diff(TRILATERAL, "JPN", japan, japan).toProto("jpn-hotline").toBuilder()
            .addAdded(korean)
            .addMembers(korean)
            .build();

    assertThat(Membership.problem("JPN", TRILATERAL, lying, Optional.of(trilateral)))
        .isEqualTo(
            "its membership change names 'kor-watch-officer' of 'KOR': a nation announces only its"
                + " own members, and this is JPN's");
    // nor by removing one
    MembershipChange removing =
        Membership.diff(TRILATERAL, "JPN", japan, japan).toProto("jpn-hotline").toBuilder()
            .addRemoved(korean)
            .build();
    assertThat(Membership.problem("JPN", TRILATERAL, removing, Optional.of(trilateral)))
        .contains("a nation announces only its own members");
  }

  @Test
  void aMalformedAnnouncementIsRefusedNamingWhatIsWrong() {
    MembershipChange valid =
        Membership.diff(TRILATERAL, "JPN", japan, japanChanged()).toProto("jpn-hotline");
    Member japanese = japan.get(0);

    assertThat(
            Membership.problem(
                "JPN",
                TRILATERAL,
                valid.toBuilder().setConference("JPN-KOR").build(),
                Optional.of(trilateral)))
        .contains("not its item's JPN-KOR-USA");
    assertThat(
            Membership.problem(
                "JPN", "NOPE", valid.toBuilder().setConference("NOPE").build(), Optional.empty()))
        .contains("which has no nation JPN here");
    assertThat(
            Membership.problem(
                "JPN",
                TRILATERAL,
                valid.toBuilder().clearMembers().build(),
                Optional.of(trilateral)))
        .isEqualTo("its membership change leaves JPN with no member in JPN-KOR-USA");
    assertThat(
            Membership.problem(
                "JPN",
                TRILATERAL,
                valid.toBuilder()
                    .setMembers(0, japanese.toBuilder().setUsername("JPN\u202Eadmin"))
                    .build(),
                Optional.of(trilateral)))
        .contains("not a realm username");
    assertThat(
            Membership.problem(
                "JPN",
                TRILATERAL,
                valid.toBuilder()
                    .setMembers(
                        0,
                        japanese.toBuilder()
                            .setClearance(ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED))
                    .build(),
                Optional.of(trilateral)))
        .isEqualTo("its membership change gives jpn-principal no known clearance");
    assertThat(
            Membership.problem(
                "JPN",
                TRILATERAL,
                valid.toBuilder().setMembers(0, japanese.toBuilder().setRoleValue(99)).build(),
                Optional.of(trilateral)))
        .isEqualTo("its membership change gives jpn-principal no known role");
    assertThat(
            Membership.problem(
                "JPN",
                TRILATERAL,
                valid.toBuilder().addMembers(japanese).build(),
                Optional.of(trilateral)))
        .isEqualTo("its membership change names jpn-principal twice");
    assertThat(
            Membership.problem(
                "JPN",
                TRILATERAL,
                valid.toBuilder().addRemoved(japanese).build(),
                Optional.of(trilateral)))
        .isEqualTo("its membership change removes jpn-principal, who is still among its members");
    assertThat(
            Membership.problem(
                "JPN",
                TRILATERAL,
                valid.toBuilder().setChangedBy("").build(),
                Optional.of(trilateral)))
        .isEqualTo("its membership change names no valid system that made it");
  }

  @Test
  void aPeerCannotTakeAnotherNationsUsernameNorMakeItsOwnPersonAMemberThrough() {
    // Korea announces a "member" of its own nation under the username of Japan's adviser
    Member impostor =
        Member.newBuilder()
            .setUsername("jpn-nsa")
            .setNation("KOR")
            .setRole(MemberRole.MEMBER_ROLE_PRINCIPAL)
            .setClearance(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET)
            .build();
    List<Member> korea = ConferenceBook.membersOf(trilateral, "KOR");
    List<Member> withImpostor = new java.util.ArrayList<>(korea);
    withImpostor.add(impostor);
    MembershipChange lying =
        Membership.diff(TRILATERAL, "KOR", korea, withImpostor).toProto("kor-hotline");

    assertThat(Membership.problem("KOR", TRILATERAL, lying, Optional.of(trilateral)))
        .isEqualTo(
            "its membership change names 'jpn-nsa', another nation's member of JPN-KOR-USA: a"
                + " nation announces only its own people");
    ConferenceBook view = ConferenceBook.loadBuiltIn();
    assertThatThrownBy(() -> view.announce(TRILATERAL, "KOR", withImpostor))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jpn-nsa is another nation's member");
    assertThat(view.find(TRILATERAL).orElseThrow()).isEqualTo(trilateral);
  }

  @Test
  void aCallerIsAMemberOnlyAsAPersonOfTheirOwnNation() {
    // a Korean member named like a Japanese person does not make the Japanese person a member
    Conference withKoreanAnalyst =
        trilateral.toBuilder()
            .addMembers(
                Member.newBuilder()
                    .setUsername("jpn-analyst")
                    .setNation("KOR")
                    .setRole(MemberRole.MEMBER_ROLE_ADVISER)
                    .setClearance(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET))
            .build();

    assertThat(ConferenceBook.member(withKoreanAnalyst, "JPN", "jpn-analyst")).isEmpty();
    assertThat(ConferenceBook.member(withKoreanAnalyst, "KOR", "jpn-analyst")).isPresent();
    assertThat(ConferenceBook.member(trilateral, "JPN", "jpn-nsa")).isPresent();
    assertThat(ConferenceBook.member(trilateral, "KOR", "jpn-nsa")).isEmpty();
  }

  @Test
  void anAnnouncementReplacesThatNationsMembersInTheViewOnly() {
    ConferenceBook view = ConferenceBook.loadBuiltIn();
    view.announce(TRILATERAL, "JPN", japanChanged());

    Conference now = view.find(TRILATERAL).orElseThrow();
    assertThat(ConferenceBook.membersOf(now, "JPN")).containsExactlyElementsOf(japanChanged());
    assertThat(ConferenceBook.membersOf(now, "KOR"))
        .containsExactlyElementsOf(ConferenceBook.membersOf(trilateral, "KOR"));
    assertThat(ConferenceBook.member(now, "jpn-nsa")).isEmpty();
    assertThat(view.ofNation("KOR").get(0)).isEqualTo(now);
    // the file's view and the other conferences are as they were
    assertThat(view.fromFile(TRILATERAL).orElseThrow()).isEqualTo(trilateral);
    assertThat(ConferenceBook.member(view.find("JPN-KOR").orElseThrow(), "jpn-nsa")).isPresent();
  }

  @Test
  void aSecretMessageIsRefusedOnceJapanAnnouncedAConfidentialMember() {
    ConferenceBook view = ConferenceBook.loadBuiltIn();
    SecurityLabel secret =
        SendCheckTest.kor(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀").build();
    SendCheck.checkLabel(
        secret,
        SendCheckTest.PRINCIPAL,
        view.find(TRILATERAL).orElseThrow(),
        SendCheckTest.ENGINE,
        SendCheckTest.NOW);

    view.announce(TRILATERAL, "JPN", japanChanged());

    assertThatThrownBy(
            () ->
                SendCheck.checkLabel(
                    secret,
                    SendCheckTest.PRINCIPAL,
                    view.find(TRILATERAL).orElseThrow(),
                    SendCheckTest.ENGINE,
                    SendCheckTest.NOW))
        .isInstanceOfSatisfying(
            SendRefusal.class,
            refusal -> {
              assertThat(refusal.kind()).isEqualTo(SendRefusal.Kind.PRECONDITION);
              assertThat(refusal.party()).isEqualTo("JPN");
              assertThat(refusal.getMessage())
                  .contains("jpn-watch-officer (clearance CONFIDENTIAL)");
            });
  }
}
