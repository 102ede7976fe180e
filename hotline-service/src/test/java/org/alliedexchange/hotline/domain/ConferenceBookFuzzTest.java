package org.alliedexchange.hotline.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.Member;
import org.alliedexchange.api.hotline.v1.MemberRole;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.hotline.FuzzRuns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The conference file parser on any file: {@link ConferenceBook#parse} refuses it with an
 * IllegalArgumentException whose message names the entry (short, no control characters, whatever
 * the file held), or accepts it; what it accepts is a book of well-formed conferences (two or three
 * nations, each with a member, a ceiling, usernames once each) that reads back the same once
 * written out. The corpus ({@code ConferenceBookFuzzTestInputs/}) holds the built-in conferences
 * and files that were refused.
 */
class ConferenceBookFuzzTest {

  private static final Pattern ID = Pattern.compile("[A-Z0-9][A-Z0-9-]{0,63}");
  private static final Pattern NATION = Pattern.compile("[A-Z]{3}");
  private static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final AtomicLong INPUTS = new AtomicLong();

  @FuzzTest
  @Timeout(10)
  void isRefusedNamingTheEntryOrReadsBackAsAccepted(byte[] file) {
    INPUTS.incrementAndGet();
    String json = new String(file, StandardCharsets.UTF_8);
    ConferenceBook book;
    try {
      book = ConferenceBook.parse(json);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage())
          .as("a refusal names the entry")
          .matches("(?s)(not JSON|conferences).*")
          .hasSizeLessThan(600)
          .doesNotContainPattern("\\p{Cc}");
      return;
    }
    List<Conference> conferences = book.all();
    assertThat(conferences).isNotEmpty();
    Set<String> ids = new HashSet<>();
    for (Conference conference : conferences) {
      assertWellFormed(conference);
      assertThat(ids.add(conference.getId())).as("an id once").isTrue();
      assertThat(book.find(conference.getId())).contains(conference);
      for (String nation : conference.getNationsList()) {
        assertThat(book.ofNation(nation)).contains(conference);
      }
    }
    ConferenceBook reread = ConferenceBook.parse(write(conferences));
    assertThat(reread.all()).as("written out and read back").isEqualTo(conferences);
  }

  @Test
  void theCorpusHoldsTheBuiltInConferencesAndRefusedFiles() throws Exception {
    assertThat(ConferenceBook.parse(seed("built-in")).all())
        .isEqualTo(ConferenceBook.loadBuiltIn().all());
    // an object where the members' list belongs: refused naming it, not a NullPointerException
    assertThatThrownBy(() -> ConferenceBook.parse(seed("members-an-object")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("conferences[0].members: must be a list of members");
    assertThatThrownBy(() -> ConferenceBook.parse(seed("id-with-controls")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("conferences[0].id: must be A-Z")
        .hasMessageContaining("\\u001B");
    assertThatThrownBy(() -> ConferenceBook.parse(seed("role-unspecified")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("conferences[0].members[0].role: PRINCIPAL, ADVISER or WATCH");
    assertThatThrownBy(() -> ConferenceBook.parse(seed("nations-an-object")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("conferences[0].nations: must be a list of nations");
  }

  @AfterAll
  static void theFuzzerRan() {
    FuzzRuns.assertRan(INPUTS.get());
  }

  private static void assertWellFormed(Conference conference) {
    assertThat(conference.getId()).matches(ID);
    assertThat(conference.getNationsList())
        .hasSizeBetween(2, 3)
        .doesNotHaveDuplicates()
        .isSorted()
        .allSatisfy(nation -> assertThat(nation).matches(NATION));
    assertThat(conference.getCeiling())
        .isNotIn(
            ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED, ClassificationLevel.UNRECOGNIZED);
    assertThat(conference.getMembersList())
        .extracting(Member::getUsername)
        .doesNotHaveDuplicates()
        .allSatisfy(username -> assertThat(username).matches(USERNAME));
    assertThat(conference.getMembersList())
        .allSatisfy(
            member -> {
              assertThat(conference.getNationsList()).contains(member.getNation());
              assertThat(member.getRole())
                  .isIn(
                      MemberRole.MEMBER_ROLE_PRINCIPAL,
                      MemberRole.MEMBER_ROLE_ADVISER,
                      MemberRole.MEMBER_ROLE_WATCH_OFFICER);
              assertThat(member.getClearance())
                  .isNotIn(
                      ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED,
                      ClassificationLevel.UNRECOGNIZED);
            });
    assertThat(conference.getMembersList())
        .extracting(Member::getNation)
        .containsAll(conference.getNationsList());
  }

  /** The conferences in the file's form. */
  private static String write(List<Conference> conferences) {
    JsonMapper mapper = JsonMapper.builder().build();
    ObjectNode root = mapper.createObjectNode();
    ArrayNode list = root.putArray("conferences");
    for (Conference conference : conferences) {
      ObjectNode entry = list.addObject();
      entry.put("id", conference.getId());
      ArrayNode nations = entry.putArray("nations");
      conference.getNationsList().forEach(nations::add);
      entry.put("ceiling", level(conference.getCeiling()));
      ArrayNode members = entry.putArray("members");
      for (Member member : conference.getMembersList()) {
        members
            .addObject()
            .put("username", member.getUsername())
            .put("nation", member.getNation())
            .put("role", member.getRole().name().substring("MEMBER_ROLE_".length()))
            .put("clearance", level(member.getClearance()));
      }
    }
    return mapper.writeValueAsString(root);
  }

  private static String level(ClassificationLevel level) {
    return level.name().substring("CLASSIFICATION_LEVEL_".length());
  }

  private static String seed(String name) throws java.io.IOException {
    try (var in =
        ConferenceBookFuzzTest.class.getResourceAsStream(
            "ConferenceBookFuzzTestInputs/isRefusedNamingTheEntryOrReadsBackAsAccepted/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
