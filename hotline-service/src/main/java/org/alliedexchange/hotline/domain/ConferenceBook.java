package org.alliedexchange.hotline.domain;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.Member;
import org.alliedexchange.api.hotline.v1.MemberRole;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The conferences a node knows, as its configuration file names them: each of two or three nations,
 * with a classification ceiling and its members. Loaded whole or refused naming the entry.
 *
 * <p>Each nation is authoritative for its own members: what a peer node announced of its nation's
 * members ({@link #announce}) replaces that nation's members of the file. {@link #find}, {@link
 * #all} and {@link #ofNation} give this effective view; {@link #fromFile} the file's.
 */
public final class ConferenceBook {

  /** The built-in conferences: the trilateral one and the three bilateral pairs. */
  public static final String BUILT_IN = "/org/alliedexchange/hotline/conferences.json";

  private static final Pattern NATION = Pattern.compile("[A-Z]{3}");
  private static final Pattern ID = Pattern.compile("[A-Z0-9][A-Z0-9-]{0,63}");
  static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  private final Map<String, Conference> byId;
  // the file's conferences with the peers' announced members; replaced whole, read without a lock
  private volatile Map<String, Conference> effective;

  public ConferenceBook(List<Conference> conferences) {
    Map<String, Conference> map = new LinkedHashMap<>();
    for (Conference conference : conferences) {
      if (map.put(conference.getId(), conference) != null) {
        throw new IllegalArgumentException("conference " + conference.getId() + " is named twice");
      }
    }
    this.byId = Collections.unmodifiableMap(map);
    this.effective = byId;
  }

  public static ConferenceBook loadBuiltIn() {
    try (InputStream in = ConferenceBook.class.getResourceAsStream(BUILT_IN)) {
      if (in == null) {
        throw new IllegalStateException("the built-in conferences " + BUILT_IN + " are missing");
      }
      return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + BUILT_IN + ": " + e.getMessage(), e);
    }
  }

  public static ConferenceBook load(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses the JSON form; throws IllegalArgumentException naming the entry that is wrong. */
  public static ConferenceBook parse(String json) {
    JsonNode root;
    try {
      root = JsonMapper.builder().build().readTree(json);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
    JsonNode list = root.path("conferences");
    if (!list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException("conferences: must be a non-empty list");
    }
    List<Conference> conferences = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      conferences.add(conference(list.get(i), "conferences[" + i + "]"));
    }
    return new ConferenceBook(conferences);
  }

  private static Conference conference(JsonNode node, String path) {
    String id = text(node, "id", path);
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(path + ".id: must be A-Z, 0-9 and '-', not " + id);
    }
    TreeSet<String> nations = new TreeSet<>();
    for (JsonNode nation : node.path("nations")) {
      String code = nation.asString("");
      if (!NATION.matcher(code).matches()) {
        throw new IllegalArgumentException(path + ".nations: " + code + " is not ISO alpha-3");
      }
      nations.add(code);
    }
    if (nations.size() < 2 || nations.size() > 3) {
      throw new IllegalArgumentException(path + ".nations: a conference has two or three nations");
    }
    ClassificationLevel ceiling = level(text(node, "ceiling", path), path + ".ceiling");
    Conference.Builder conference =
        Conference.newBuilder().setId(id).addAllNations(nations).setCeiling(ceiling);
    TreeSet<String> usernames = new TreeSet<>();
    JsonNode members = node.path("members");
    for (int i = 0; i < members.size(); i++) {
      String memberPath = path + ".members[" + i + "]";
      JsonNode member = members.get(i);
      String username = text(member, "username", memberPath);
      if (!USERNAME.matcher(username).matches() || !usernames.add(username)) {
        throw new IllegalArgumentException(
            memberPath + ".username: not a realm username, or named twice: " + username);
      }
      String nation = text(member, "nation", memberPath);
      if (!nations.contains(nation)) {
        throw new IllegalArgumentException(
            memberPath + ".nation: " + nation + " is not a nation of " + id);
      }
      MemberRole role;
      try {
        role = MemberRole.valueOf("MEMBER_ROLE_" + text(member, "role", memberPath));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            memberPath + ".role: PRINCIPAL, ADVISER or WATCH_OFFICER", e);
      }
      conference.addMembers(
          Member.newBuilder()
              .setUsername(username)
              .setNation(nation)
              .setRole(role)
              .setClearance(
                  level(text(member, "clearance", memberPath), memberPath + ".clearance")));
    }
    for (String nation : nations) {
      if (conference.getMembersList().stream().noneMatch(m -> m.getNation().equals(nation))) {
        throw new IllegalArgumentException(path + ": " + nation + " has no member in " + id);
      }
    }
    return conference.build();
  }

  private static ClassificationLevel level(String name, String path) {
    try {
      ClassificationLevel level = ClassificationLevel.valueOf("CLASSIFICATION_LEVEL_" + name);
      if (level == ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED) {
        throw new IllegalArgumentException(name);
      }
      return level;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          path + ": UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET or TOP_SECRET, not " + name, e);
    }
  }

  private static String text(JsonNode node, String field, String path) {
    JsonNode value = node.path(field);
    if (!value.isString() || value.asString().isBlank()) {
      throw new IllegalArgumentException(path + "." + field + ": required");
    }
    return value.asString();
  }

  /** The conference as it stands: the file's, with the members its nations announced. */
  public Optional<Conference> find(String id) {
    return Optional.ofNullable(effective.get(id));
  }

  public List<Conference> all() {
    return List.copyOf(effective.values());
  }

  /** The conferences {@code nation} is a member nation of. */
  public List<Conference> ofNation(String nation) {
    return effective.values().stream().filter(c -> c.getNationsList().contains(nation)).toList();
  }

  /** The conference as the configuration file names it, without any announced members. */
  public Optional<Conference> fromFile(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /**
   * From now on the members of {@code nation} in the conference are {@code members} (as that
   * nation's node announced them), in place of what the file or an earlier announcement said. The
   * caller has checked them ({@link Membership#problem}); the other nations' members are unchanged.
   */
  public synchronized void announce(String id, String nation, List<Member> members) {
    Conference current = effective.get(id);
    if (current == null || !current.getNationsList().contains(nation)) {
      throw new IllegalArgumentException(nation + " is not a nation of conference " + id);
    }
    List<Member> kept =
        new ArrayList<>(
            current.getMembersList().stream().filter(m -> !m.getNation().equals(nation)).toList());
    kept.addAll(members);
    kept.sort(
        java.util.Comparator.comparing(
                (Member m) -> current.getNationsList().indexOf(m.getNation()))
            .thenComparing(m -> fileOrder(id, m.getUsername())));
    Map<String, Conference> next = new LinkedHashMap<>(effective);
    next.put(id, current.toBuilder().clearMembers().addAllMembers(kept).build());
    effective = Collections.unmodifiableMap(next);
  }

  /** A member's place in the file's list, so a listing keeps the file's order; new ones last. */
  private int fileOrder(String id, String username) {
    List<Member> members = byId.get(id).getMembersList();
    for (int i = 0; i < members.size(); i++) {
      if (members.get(i).getUsername().equals(username)) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  /** The members of {@code nation} in the conference, in its order. */
  public static List<Member> membersOf(Conference conference, String nation) {
    return conference.getMembersList().stream().filter(m -> m.getNation().equals(nation)).toList();
  }

  /** The member of the conference with this username, if any. */
  public static Optional<Member> member(Conference conference, String username) {
    return conference.getMembersList().stream()
        .filter(m -> m.getUsername().equals(username))
        .findFirst();
  }
}
