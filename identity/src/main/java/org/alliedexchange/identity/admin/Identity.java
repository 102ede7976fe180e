package org.alliedexchange.identity.admin;

import java.util.List;

/**
 * A national system (a confidential client with a service account) or a person, as administrators
 * see it.
 *
 * @param kind "system" or "person"
 * @param name the client id of a system, the username of a person
 * @param nation ISO 3166-1 alpha-3, or empty
 * @param clearance the common level name, or empty
 * @param communities need-to-know communities
 * @param roles the realm's Allied Exchange roles it holds
 * @param enabled false when disabled (a disabled system gets no token)
 * @param description what the system is, or the person's name
 */
public record Identity(
    String kind,
    String name,
    String nation,
    String clearance,
    List<String> communities,
    List<String> roles,
    boolean enabled,
    String description) {

  public static final String SYSTEM = "system";
  public static final String PERSON = "person";
}
