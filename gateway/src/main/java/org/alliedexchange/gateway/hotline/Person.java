package org.alliedexchange.gateway.hotline;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.gateway.auditors.AuditorApiErrors;

/**
 * The person behind a hotline page request, as their access token's claims say. The claims are
 * read, not verified: they only choose the node a call is routed to and what the page shows; every
 * call made with the token is authenticated and checked (role, own nation) by the gateway's access
 * filter like any other, and the page's own token came straight from Keycloak's token endpoint.
 *
 * @param token the access token, passed on as the call's bearer token
 * @param username the realm username ({@code preferred_username})
 * @param nation ISO 3166-1 alpha-3, or empty when the token names none
 * @param clearance the clearance claim, or empty
 * @param roles the realm roles
 */
public record Person(
    String token, String username, String nation, String clearance, Set<String> roles) {

  /** Keycloak's tokens here are around 1.5 KB; anything far larger is refused before parsing. */
  static final int MAX_TOKEN_CHARS = 16_384;

  public static Person of(String token) {
    if (token == null || token.length() > MAX_TOKEN_CHARS) {
      throw new AuditorApiErrors.BadRequest("the access token is missing or too large");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw new AuditorApiErrors.BadRequest("the access token is not a JWT");
    }
    Struct claims;
    try {
      String json = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
      Struct.Builder builder = Struct.newBuilder();
      JsonFormat.parser().merge(json, builder);
      claims = builder.build();
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      throw new AuditorApiErrors.BadRequest("the access token's claims cannot be read");
    }
    Set<String> roles = new LinkedHashSet<>();
    Value roleClaim = claims.getFieldsOrDefault("roles", Value.getDefaultInstance());
    if (roleClaim.hasListValue()) {
      roleClaim.getListValue().getValuesList().stream()
          .filter(Value::hasStringValue)
          .forEach(v -> roles.add(v.getStringValue()));
    }
    return new Person(
        token,
        text(claims, "preferred_username"),
        text(claims, "nation"),
        text(claims, "clearance"),
        Set.copyOf(roles));
  }

  private static String text(Struct claims, String name) {
    Value value = claims.getFieldsOrDefault(name, Value.getDefaultInstance());
    return value.hasStringValue() ? value.getStringValue() : "";
  }

  public boolean has(String role) {
    return roles.contains(role);
  }

  /** The person's hotline role as people say it, highest first, or empty when they have none. */
  public String hotlineRole() {
    if (has(Roles.HOTLINE_PRINCIPAL)) {
      return "principal";
    }
    if (has(Roles.HOTLINE_ADVISER)) {
      return "national security adviser";
    }
    if (has(Roles.HOTLINE_WATCH_OFFICER)) {
      return "watch officer";
    }
    return has(Roles.HOTLINE_MEMBER) ? "member" : "";
  }
}
