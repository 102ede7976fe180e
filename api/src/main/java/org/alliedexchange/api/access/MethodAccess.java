package org.alliedexchange.api.access;

/**
 * What a caller needs to call one method of a guarded service.
 *
 * @param role the token role the caller must hold
 * @param ownNationOnly whether the caller may call only its own nation's service (publish and
 *     amend)
 * @param requestLabelled whether the request carries a label whose originator must be the caller's
 *     nation
 */
public record MethodAccess(String role, boolean ownNationOnly, boolean requestLabelled) {

  public MethodAccess {
    if (role == null || role.isBlank()) {
      throw new IllegalArgumentException("every guarded method needs a role");
    }
  }
}
