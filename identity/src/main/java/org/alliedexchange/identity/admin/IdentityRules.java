package org.alliedexchange.identity.admin;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.NationalScheme;

/**
 * What an identity may hold, checked before anything reaches Keycloak: a nation the federation
 * knows, a clearance on the common scale, well-formed communities, and the realm's roles.
 */
public final class IdentityRules {

  /** The realm's roles (identity/realm/allied-realm.json). */
  public static final Set<String> ROLES =
      Set.of(
          "exchange-publish",
          "exchange-read",
          "hotline-member",
          "hotline-principal",
          "hotline-adviser",
          "hotline-watch-officer",
          "hotline-relay",
          "auditor",
          "federation-admin",
          "agreement-admin");

  /**
   * Roles a person may be given by the tools: people audit, administer or sit on the hotline;
   * systems exchange (or relay the hotline, as a nation's hotline node).
   */
  public static final Set<String> PERSON_ROLES =
      Set.of(
          "auditor",
          "federation-admin",
          "hotline-member",
          "hotline-principal",
          "hotline-adviser",
          "hotline-watch-officer");

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{2,62}");
  private static final Pattern COMMUNITY = Pattern.compile("[A-Z0-9_.-]{1,64}");

  private final Federation federation;

  public IdentityRules(Federation federation) {
    this.federation = federation;
  }

  public String name(String name, String what) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw IdentityException.refusal(
          what
              + " \""
              + name
              + "\" must be 3 to 63 of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
    }
    return name;
  }

  public String nation(String nation) {
    if (nation == null || federation.nation(nation) == null) {
      throw IdentityException.refusal(
          "unknown nation \""
              + nation
              + "\"; the federation knows "
              + federation.nations().stream().map(NationalScheme::code).toList());
    }
    return nation;
  }

  public Level clearance(String clearance) {
    Level level = Level.parse(clearance);
    if (level == null) {
      throw IdentityException.refusal(
          "unknown clearance \"" + clearance + "\"; use one of " + List.of(Level.values()));
    }
    return level;
  }

  public List<String> communities(List<String> communities) {
    Set<String> checked = new LinkedHashSet<>();
    for (String community : communities == null ? List.<String>of() : communities) {
      if (community == null || !COMMUNITY.matcher(community).matches()) {
        throw IdentityException.refusal(
            "community \"" + community + "\" must be 1 to 64 of A-Z, 0-9, '_', '.', '-'");
      }
      checked.add(community);
    }
    return List.copyOf(checked);
  }

  public List<String> roles(List<String> roles, Set<String> allowed) {
    if (roles == null || roles.isEmpty()) {
      throw IdentityException.refusal("give at least one role of " + new TreeSet<>(allowed));
    }
    for (String role : roles) {
      if (!allowed.contains(role)) {
        throw IdentityException.refusal(
            "unknown role \"" + role + "\"; use one of " + new TreeSet<>(allowed));
      }
    }
    return List.copyOf(new LinkedHashSet<>(roles));
  }
}
