package org.alliedexchange.accesstoken;

import java.util.List;
import java.util.Set;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Recipient;

/**
 * The authenticated national system (or person) behind a call, from its validated token. Immutable;
 * its {@link Recipient} is built once, since every product a call reads is decided for it.
 */
public final class Caller {

  private final String system;
  private final Set<String> roles;
  private final Recipient recipient;

  /**
   * @param system the client id of a system, or the username of a person: whom records name and
   *     rate limits count
   * @param nation ISO 3166-1 alpha-3
   * @param clearance the clearance claim; null when it names no known level (then nothing is
   *     released)
   */
  public Caller(
      String system, String nation, Level clearance, Set<String> communities, Set<String> roles) {
    this.system = system;
    this.roles = Set.copyOf(roles);
    this.recipient = new Recipient(nation, clearance, communities);
  }

  public String system() {
    return system;
  }

  public String nation() {
    return recipient.nation();
  }

  public Level clearance() {
    return recipient.clearance();
  }

  public Set<String> communities() {
    return recipient.communities();
  }

  public Set<String> roles() {
    return roles;
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }

  /** The caller as the releasability engine's recipient. */
  public Recipient asRecipient() {
    return recipient;
  }

  public static Caller of(
      String system,
      String nation,
      String clearance,
      List<String> communities,
      List<String> roles) {
    return new Caller(
        system, nation, Level.parse(clearance), Set.copyOf(communities), Set.copyOf(roles));
  }
}
