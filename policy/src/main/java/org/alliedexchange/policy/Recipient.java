package org.alliedexchange.policy;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/**
 * Who would receive a message.
 *
 * @param nation the recipient's nation (ISO 3166-1 alpha-3)
 * @param clearance the recipient's personnel or system clearance; null when unknown (then nothing
 *     is released)
 * @param communities the need-to-know communities the recipient holds
 */
public record Recipient(String nation, Level clearance, Set<String> communities) {

  public Recipient {
    communities =
        communities == null
            ? Set.of()
            : Collections.unmodifiableSet(new HashSet<>((Collection<String>) communities));
  }
}
