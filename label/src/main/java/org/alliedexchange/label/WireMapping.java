package org.alliedexchange.label;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.policy.AgreementStatus;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Reason;

/**
 * The one mapping between the domain's types ({@code policy}) and the wire's (the api protos): deny
 * reasons, agreement statuses, levels and timestamps, and the short names people read and type
 * ({@code NOT_RELEASABLE_TO_NATION} for {@code DENY_REASON_NOT_RELEASABLE_TO_NATION}).
 *
 * <p>Every wire enum starts with {@code *_UNSPECIFIED = 0}, so its prefix is the name of its first
 * constant less {@code UNSPECIFIED}; a short name is a wire name without that prefix.
 */
public final class WireMapping {

  private WireMapping() {}

  /** The wire's name for a reason the engine gave. */
  public static DenyReason denyReason(Reason reason) {
    return switch (reason) {
      case LABEL_INVALID -> DenyReason.DENY_REASON_LABEL_INVALID;
      case INSUFFICIENT_CLEARANCE -> DenyReason.DENY_REASON_INSUFFICIENT_CLEARANCE;
      case NEED_TO_KNOW -> DenyReason.DENY_REASON_NEED_TO_KNOW;
      case NOT_RELEASABLE_TO_NATION -> DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION;
      case NOFORN -> DenyReason.DENY_REASON_NOFORN;
      case NO_AGREEMENT_IN_FORCE -> DenyReason.DENY_REASON_NO_AGREEMENT_IN_FORCE;
      case LEVEL_NOT_COVERED -> DenyReason.DENY_REASON_LEVEL_NOT_COVERED;
      case NO_EQUIVALENT_MARKING -> DenyReason.DENY_REASON_NO_EQUIVALENT_MARKING;
      case UNKNOWN_RECIPIENT -> DenyReason.DENY_REASON_UNKNOWN_RECIPIENT;
    };
  }

  /**
   * The engine's reason for a wire reason; throws for one the engine never gives (unspecified, a
   * binding that does not verify, a number this build does not know).
   */
  public static Reason reason(DenyReason reason) {
    return switch (reason) {
      case DENY_REASON_LABEL_INVALID -> Reason.LABEL_INVALID;
      case DENY_REASON_INSUFFICIENT_CLEARANCE -> Reason.INSUFFICIENT_CLEARANCE;
      case DENY_REASON_NEED_TO_KNOW -> Reason.NEED_TO_KNOW;
      case DENY_REASON_NOT_RELEASABLE_TO_NATION -> Reason.NOT_RELEASABLE_TO_NATION;
      case DENY_REASON_NOFORN -> Reason.NOFORN;
      case DENY_REASON_NO_AGREEMENT_IN_FORCE -> Reason.NO_AGREEMENT_IN_FORCE;
      case DENY_REASON_LEVEL_NOT_COVERED -> Reason.LEVEL_NOT_COVERED;
      case DENY_REASON_NO_EQUIVALENT_MARKING -> Reason.NO_EQUIVALENT_MARKING;
      case DENY_REASON_UNKNOWN_RECIPIENT -> Reason.UNKNOWN_RECIPIENT;
      case DENY_REASON_UNSPECIFIED, DENY_REASON_BINDING_INVALID, UNRECOGNIZED ->
          throw new IllegalArgumentException(
              reason + " is not a reason the releasability engine gives");
    };
  }

  public static org.alliedexchange.api.audit.v1.AgreementStatus agreementStatus(
      AgreementStatus status) {
    return switch (status) {
      case IN_FORCE -> org.alliedexchange.api.audit.v1.AgreementStatus.AGREEMENT_STATUS_IN_FORCE;
      case SUSPENDED -> org.alliedexchange.api.audit.v1.AgreementStatus.AGREEMENT_STATUS_SUSPENDED;
      case TERMINATED ->
          org.alliedexchange.api.audit.v1.AgreementStatus.AGREEMENT_STATUS_TERMINATED;
    };
  }

  /** The domain's status; throws for unspecified and for a number this build does not know. */
  public static AgreementStatus agreementStatus(
      org.alliedexchange.api.audit.v1.AgreementStatus status) {
    return switch (status) {
      case AGREEMENT_STATUS_IN_FORCE -> AgreementStatus.IN_FORCE;
      case AGREEMENT_STATUS_SUSPENDED -> AgreementStatus.SUSPENDED;
      case AGREEMENT_STATUS_TERMINATED -> AgreementStatus.TERMINATED;
      case AGREEMENT_STATUS_UNSPECIFIED, UNRECOGNIZED ->
          throw new IllegalArgumentException(status + " is not an agreement status");
    };
  }

  /**
   * The common level of an API level; null for unspecified (and for unrecognised: check that
   * first).
   */
  public static Level level(ClassificationLevel level) {
    return switch (level) {
      case CLASSIFICATION_LEVEL_UNCLASSIFIED -> Level.UNCLASSIFIED;
      case CLASSIFICATION_LEVEL_RESTRICTED -> Level.RESTRICTED;
      case CLASSIFICATION_LEVEL_CONFIDENTIAL -> Level.CONFIDENTIAL;
      case CLASSIFICATION_LEVEL_SECRET -> Level.SECRET;
      case CLASSIFICATION_LEVEL_TOP_SECRET -> Level.TOP_SECRET;
      case CLASSIFICATION_LEVEL_UNSPECIFIED, UNRECOGNIZED -> null;
    };
  }

  /** The API level of a common level; unspecified for null. */
  public static ClassificationLevel level(Level level) {
    if (level == null) {
      return ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED;
    }
    return switch (level) {
      case UNCLASSIFIED -> ClassificationLevel.CLASSIFICATION_LEVEL_UNCLASSIFIED;
      case RESTRICTED -> ClassificationLevel.CLASSIFICATION_LEVEL_RESTRICTED;
      case CONFIDENTIAL -> ClassificationLevel.CLASSIFICATION_LEVEL_CONFIDENTIAL;
      case SECRET -> ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
      case TOP_SECRET -> ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET;
    };
  }

  public static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }

  public static Instant instant(Timestamp at) {
    return Instant.ofEpochSecond(at.getSeconds(), at.getNanos());
  }

  /**
   * A wire enum's constant as people read it, e.g. {@code NOT_RELEASABLE_TO_NATION}; {@code
   * UNRECOGNIZED} for an unknown number.
   */
  public static <E extends Enum<E>> String shortName(E constant) {
    return shortName(constant.getDeclaringClass(), constant.name());
  }

  /**
   * A wire enum's name as people read it, from its text (e.g. in JSON); a name without the enum's
   * prefix is returned as it is.
   */
  public static <E extends Enum<E>> String shortName(Class<E> type, String wireName) {
    String prefix = prefix(type);
    return wireName.startsWith(prefix) ? wireName.substring(prefix.length()) : wireName;
  }

  /**
   * The wire enum's constant with this short name (any case); throws {@link
   * IllegalArgumentException} naming the choices when there is none. Unspecified is not a choice.
   */
  public static <E extends Enum<E>> E named(Class<E> type, String shortName) {
    E constant = namedOrUnspecified(type, shortName.trim().toUpperCase(Locale.ROOT));
    if (constant == unspecified(type)) {
      throw new IllegalArgumentException(shortName + " is not one of " + choices(type));
    }
    return constant;
  }

  /**
   * The wire enum's constant with exactly this short name, or its {@code *_UNSPECIFIED} when there
   * is none.
   */
  public static <E extends Enum<E>> E namedOrUnspecified(Class<E> type, String shortName) {
    String wanted = prefix(type) + shortName;
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(wanted) && !constant.name().equals("UNRECOGNIZED")) {
        return constant;
      }
    }
    return unspecified(type);
  }

  /** The short names of a wire enum's constants, unspecified left out. */
  public static <E extends Enum<E>> List<String> choices(Class<E> type) {
    String prefix = prefix(type);
    return Arrays.stream(type.getEnumConstants())
        .map(Enum::name)
        .filter(n -> n.startsWith(prefix) && !n.equals(unspecified(type).name()))
        .map(n -> n.substring(prefix.length()))
        .toList();
  }

  private static <E extends Enum<E>> E unspecified(Class<E> type) {
    E first = type.getEnumConstants()[0];
    if (!first.name().endsWith("_UNSPECIFIED")) {
      throw new IllegalArgumentException(
          type.getName() + " is not a wire enum: its first constant is not *_UNSPECIFIED");
    }
    return first;
  }

  // computed once per enum: the guard names every message's controls with it
  private static final ClassValue<String> PREFIXES =
      new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
          String first = ((Enum<?>) type.getEnumConstants()[0]).name();
          if (!first.endsWith("_UNSPECIFIED")) {
            throw new IllegalArgumentException(
                type.getName() + " is not a wire enum: its first constant is not *_UNSPECIFIED");
          }
          return first.substring(0, first.length() - "UNSPECIFIED".length());
        }
      };

  private static <E extends Enum<E>> String prefix(Class<E> type) {
    return PREFIXES.get(type);
  }
}
