package org.alliedexchange.api;

import io.grpc.Metadata;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gRPC metadata and trailers the system's calls carry, each name spelled once, with the parsers
 * of their values. The gateway reads the same names as HTTP/2 headers ({@code *_NAME}).
 */
public final class AlliedMetadata {

  /** Request metadata: the nation whose exchange service an exchange call is for. */
  public static final String NATION_NAME = "allied-nation";

  /** Request metadata: {@code Bearer <access token>}. */
  public static final String AUTHORIZATION_NAME = "authorization";

  /**
   * Trailer of an auditor's call: how many records the gateway's guard withheld (each a gap in the
   * chain). National systems are never told what they did not get.
   */
  public static final String WITHHELD_NAME = "allied-withheld";

  /**
   * Trailer of an auditor's call: the withheld records by reason, {@code REASON=n,...}, e.g. {@code
   * INSUFFICIENT_CLEARANCE=2}.
   */
  public static final String WITHHELD_REASONS_NAME = "allied-withheld-reasons";

  /** Trailer: the transfer id of a unary call's message, released or withheld (to quote). */
  public static final String TRANSFER_ID_NAME = "allied-transfer-id";

  /**
   * Trailer: where a search's next page starts (after its last product, never past one withheld);
   * absent on the last page.
   */
  public static final String NEXT_CURSOR_NAME = "allied-next-cursor";

  public static final Metadata.Key<String> NATION = key(NATION_NAME);
  public static final Metadata.Key<String> AUTHORIZATION = key(AUTHORIZATION_NAME);
  public static final Metadata.Key<String> WITHHELD = key(WITHHELD_NAME);
  public static final Metadata.Key<String> WITHHELD_REASONS = key(WITHHELD_REASONS_NAME);
  public static final Metadata.Key<String> TRANSFER_ID = key(TRANSFER_ID_NAME);
  public static final Metadata.Key<String> NEXT_CURSOR = key(NEXT_CURSOR_NAME);

  private static final String BEARER = "Bearer ";

  private AlliedMetadata() {}

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  /** The {@code authorization} value for an access token. */
  public static String bearer(String token) {
    return BEARER + token;
  }

  /** Request metadata carrying the access token as {@code authorization: Bearer <token>}. */
  public static Metadata withBearer(String token) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, bearer(token));
    return headers;
  }

  /**
   * The token of an {@code authorization} value ({@code Bearer} in any case); null when it is not a
   * bearer token.
   */
  public static String bearerToken(String authorization) {
    if (authorization == null
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    String token = authorization.substring(BEARER.length()).trim();
    return token.isEmpty() ? null : token;
  }

  /**
   * The {@value #WITHHELD_NAME} count; 0 when absent, negative or not a number (it only ever
   * informs).
   */
  public static int withheldCount(String value) {
    if (value == null) {
      return 0;
    }
    try {
      return Math.max(0, Integer.parseInt(value.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * The {@value #WITHHELD_REASONS_NAME} value for counts by reason, in their order; empty when
   * there are none.
   */
  public static String withheldReasons(Map<String, Integer> countsByReason) {
    StringBuilder value = new StringBuilder();
    countsByReason.forEach(
        (reason, count) ->
            value.append(value.length() == 0 ? "" : ",").append(reason).append('=').append(count));
    return value.toString();
  }

  /**
   * The counts by reason of a {@value #WITHHELD_REASONS_NAME} value, in its order; entries that are
   * not {@code REASON=n} are skipped.
   */
  public static Map<String, Integer> withheldReasons(String value) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    if (value == null) {
      return counts;
    }
    for (String entry : value.split(",")) {
      int equals = entry.indexOf('=');
      if (equals <= 0) {
        continue;
      }
      int count = withheldCount(entry.substring(equals + 1));
      if (count > 0) {
        counts.merge(entry.substring(0, equals).trim(), count, Integer::sum);
      }
    }
    return counts;
  }
}
