package org.alliedexchange.hotline.domain;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
        throw new IllegalArgumentException(
            "conferences: conference " + conference.getId() + " is named twice");
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
      throw new IllegalArgumentException("not JSON: " + shown(e.getOriginalMessage(), 200), e);
    }
    JsonNode list = root == null ? null : root.path("conferences");
    if (list == null || !list.isArray() || list.isEmpty()) {
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
      throw new IllegalArgumentException(
          path + ".id: must be A-Z, 0-9 and '-' (at most 64), not " + shown(id));
    }
    JsonNode nationList = node.path("nations");
    if (!nationList.isArray()) {
      throw new IllegalArgumentException(path + ".nations: must be a list of nations");
    }
    TreeSet<String> nations = new TreeSet<>();
    for (JsonNode nation : nationList) {
      String code = nation.isString() ? nation.asString() : "";
      if (!NATION.matcher(code).matches()) {
        throw new IllegalArgumentException(
            path + ".nations: " + shown(code) + " is not ISO alpha-3");
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
    if (!members.isMissingNode() && !members.isArray()) {
      throw new IllegalArgumentException(path + ".members: must be a list of members");
    }
    for (int i = 0; i < members.size(); i++) {
      String memberPath = path + ".members[" + i + "]";
      JsonNode member = members.get(i);
      String username = text(member, "username", memberPath);
      if (!USERNAME.matcher(username).matches() || !usernames.add(username)) {
        throw new IllegalArgumentException(
            memberPath + ".username: not a realm username, or named twice: " + shown(username));
      }
      String nation = text(member, "nation", memberPath);
      if (!nations.contains(nation)) {
        throw new IllegalArgumentException(
            memberPath + ".nation: " + shown(nation) + " is not a nation of " + id);
      }
      MemberRole role;
      try {
        role = MemberRole.valueOf("MEMBER_ROLE_" + text(member, "role", memberPath));
        if (role == MemberRole.MEMBER_ROLE_UNSPECIFIED) {
          throw new IllegalArgumentException("UNSPECIFIED");
        }
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
          path
              + ": UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET or TOP_SECRET, not "
              + shown(name),
          e);
    }
  }

  /** A value from the file as an error shows it: clipped, and control characters made visible. */
  static String shown(String value) {
    return shown(value, 64);
  }

  private static String shown(String value, int most) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    // the escapes only lengthen it: what lies past the first `most` code points is never shown
    value
        .codePoints()
        .limit(most + 1L)
        .forEach(
            c -> {
              if (Character.isISOControl(c)
                  || Character.getType(c) == Character.FORMAT
                  || Character.getType(c) == Character.SURROGATE) {
                out.append(String.format("\\u%04X", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.codePointCount(0, out.length()) > most
        ? out.substring(0, out.offsetByCodePoints(0, most)) + "…"
        : out.toString();
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
    String taken = usernameOfAnotherNation(current, nation, members);
    if (taken != null) {
      throw new IllegalArgumentException(
          taken + " is another nation's member of conference " + id + ", not " + nation + "'s");
    }
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

  /**
   * The first of {@code members} (announced for {@code nation}) whose username is held by a member
   * of another nation in the conference, or null: a nation may not name another's people, nor take
   * their usernames.
   */
  public static String usernameOfAnotherNation(
      Conference conference, String nation, List<Member> members) {
    Set<String> others = new HashSet<>();
    for (Member member : conference.getMembersList()) {
      if (!member.getNation().equals(nation)) {
        others.add(member.getUsername());
      }
    }
    for (Member member : members) {
      if (others.contains(member.getUsername())) {
        return member.getUsername();
      }
    }
    return null;
  }

  /** The member of the conference with this username, if any. */
  public static Optional<Member> member(Conference conference, String username) {
    return conference.getMembersList().stream()
        .filter(m -> m.getUsername().equals(username))
        .findFirst();
  }

  /**
   * The member of the conference who is this nation's person with this username, if any: a caller
   * is a member only as a person of their own nation.
   */
  public static Optional<Member> member(Conference conference, String nation, String username) {
    return conference.getMembersList().stream()
        .filter(m -> m.getNation().equals(nation) && m.getUsername().equals(username))
        .findFirst();
  }
}
