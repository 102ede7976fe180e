package org.alliedexchange.exchange.auth;

import io.grpc.Context;
import java.util.List;
import java.util.Set;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Recipient;

/**
 * The authenticated national system (or person) behind a call, from its validated token.
 *
 * @param system    the client id (azp) of the system, or the username of a person
 * @param nation    ISO 3166-1 alpha-3
 * @param clearance the clearance claim; null when it names no known level (then nothing is released)
 */
public record Caller(String system, String nation, Level clearance, Set<String> communities, Set<String> roles) {

  public static final String PUBLISH = "exchange-publish";
  public static final String READ = "exchange-read";
  public static final Context.Key<Caller> KEY = Context.key("allied-caller");

  public Caller {
    communities = Set.copyOf(communities);
    roles = Set.copyOf(roles);
  }

  /** The caller of the current gRPC call; set by {@link AuthenticationInterceptor}. */
  public static Caller current() {
    Caller caller = KEY.get();
    if (caller == null) {
      throw new IllegalStateException("no authenticated caller: the authentication interceptor is not installed");
    }
    return caller;
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }

  public Recipient asRecipient() {
    return new Recipient(nation, clearance, communities);
  }

  static Caller of(String system, String nation, String clearance, List<String> communities, List<String> roles) {
    return new Caller(system, nation, Level.parse(clearance), Set.copyOf(communities), Set.copyOf(roles));
  }
}
