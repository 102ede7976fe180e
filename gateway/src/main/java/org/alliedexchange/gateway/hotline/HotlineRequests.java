package org.alliedexchange.gateway.hotline;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.alliedexchange.api.hotline.v1.AcknowledgeAlarmRequest;
import org.alliedexchange.api.hotline.v1.AcknowledgeRequest;
import org.alliedexchange.api.hotline.v1.MarkReadRequest;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.SendRequest;
import org.alliedexchange.api.hotline.v1.WatchRequest;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.gateway.auditors.AuditorApiErrors.BadRequest;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.NationalScheme;

/**
 * The hotline page's JSON requests as HotlineService requests: plain Java, checked here so that a
 * malformed request is a clear 400 before any call (the node checks everything again).
 */
public final class HotlineRequests {

  /** The largest JSON body the API reads: a 16,384-character text in any script fits. */
  public static final int MAX_BODY_BYTES = 128 * 1024;

  static final int MAX_TEXT = 16_384;
  static final int MAX_IDS = 256;
  private static final Pattern CONFERENCE = Pattern.compile("[A-Z]{3}(-[A-Z]{3}){1,2}");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Pattern CURSOR = Pattern.compile("[A-Za-z0-9._:=-]{0,256}");
  private static final Pattern NATION = Pattern.compile("[A-Z]{3}");

  private HotlineRequests() {}

  /** A JSON object body. */
  public static Struct body(String json) {
    if (json == null || json.isBlank()) {
      throw new BadRequest("the request needs a JSON object body");
    }
    if (json.length() > MAX_BODY_BYTES) {
      throw new BadRequest("the request body exceeds " + MAX_BODY_BYTES + " bytes");
    }
    try {
      Struct.Builder builder = Struct.newBuilder();
      JsonFormat.parser().merge(json, builder);
      return builder.build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new BadRequest("the request body is not a JSON object: " + e.getMessage());
    }
  }

  /**
   * A message to send, labelled by the sender's nation in its own scheme: {@code {"conference",
   * "precedence", "marking", "text", "drill", "idempotencyKey"}}. The label is releasable to the
   * conference's nations (its id names them, the sender's among them) and classified at the
   * marking's level.
   */
  public static SendRequest send(Struct body, Person person, NationalScheme scheme, Clock clock) {
    String conference = conference(string(body, "conference"));
    Precedence precedence = precedence(string(body, "precedence"));
    String marking = string(body, "marking").strip();
    if (scheme == null) {
      throw new BadRequest(
          "your nation " + quoted(person.nation()) + " has no marking scheme in the federation");
    }
    Level level = scheme.levelOf(marking);
    if (level == null) {
      throw new BadRequest(
          "marking "
              + quoted(marking)
              + " is not one of "
              + scheme.code()
              + "'s: "
              + scheme.markingsByLevel().values().stream().flatMap(List::stream).toList());
    }
    String text = string(body, "text");
    if (text.isBlank() || text.codePointCount(0, text.length()) > MAX_TEXT) {
      throw new BadRequest("the text must be 1 to " + MAX_TEXT + " characters");
    }
    boolean drill = bool(body, "drill");
    String key = string(body, "idempotencyKey");
    if (!key.isEmpty() && !ID.matcher(key).matches()) {
      throw new BadRequest("idempotencyKey must be 1 to 128 letters, digits or ._:-");
    }
    Instant now = clock.instant();
    SecurityLabel.Builder label =
        SecurityLabel.newBuilder()
            .setPolicy(scheme.code())
            .setOriginator(scheme.code())
            .setLevel(ClassificationLevel.valueOf("CLASSIFICATION_LEVEL_" + level.name()))
            .setMarking(marking)
            .setCreatedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).build());
    // every nation of the conference, the sender's own too (a label is releasable to its
    // originator)
    for (String nation : conference.split("-")) {
      label.addReleasableTo(nation);
    }
    return SendRequest.newBuilder()
        .setLabel(label)
        .setConference(conference)
        .setPrecedence(precedence)
        .setType(drill ? MessageType.MESSAGE_TYPE_DRILL : MessageType.MESSAGE_TYPE_OPERATION)
        .setText(text)
        .setIdempotencyKey(key)
        .build();
  }

  /** {@code {"messageId"}}. */
  public static AcknowledgeRequest acknowledge(Struct body) {
    return AcknowledgeRequest.newBuilder().setMessageId(id(string(body, "messageId"))).build();
  }

  /** {@code {"alarmId"}}. */
  public static AcknowledgeAlarmRequest acknowledgeAlarm(Struct body) {
    return AcknowledgeAlarmRequest.newBuilder().setAlarmId(id(string(body, "alarmId"))).build();
  }

  /** {@code {"messageIds": [...]}}, 1 to 256 of them. */
  public static MarkReadRequest markRead(Struct body) {
    Value ids = body.getFieldsOrDefault("messageIds", Value.getDefaultInstance());
    if (!ids.hasListValue()
        || ids.getListValue().getValuesCount() == 0
        || ids.getListValue().getValuesCount() > MAX_IDS) {
      throw new BadRequest("messageIds must be a list of 1 to " + MAX_IDS + " message ids");
    }
    List<String> checked = new ArrayList<>();
    for (Value id : ids.getListValue().getValuesList()) {
      checked.add(id(id.hasStringValue() ? id.getStringValue() : ""));
    }
    return MarkReadRequest.newBuilder().addAllMessageIds(checked).build();
  }

  /**
   * The live stream's request: {@code conference}, and where to resume, the browser's {@code
   * Last-Event-ID} (a reconnect) before the page's {@code from}.
   */
  public static WatchRequest watch(String conference, String from, String lastEventId) {
    String cursor = lastEventId != null && !lastEventId.isEmpty() ? lastEventId : from;
    cursor = cursor == null ? "" : cursor;
    if (!CURSOR.matcher(cursor).matches()) {
      throw new BadRequest("from is not a cursor of the hotline node");
    }
    return WatchRequest.newBuilder()
        .setConference(conference(conference == null ? "" : conference))
        .setFromCursor(cursor)
        .build();
  }

  /** A nation code as the routing header needs it. */
  static boolean isNation(String nation) {
    return nation != null && NATION.matcher(nation).matches();
  }

  static Precedence precedence(String name) {
    String normal = name.strip().toUpperCase(Locale.ROOT).replace(' ', '_');
    return switch (normal) {
      case "ROUTINE" -> Precedence.PRECEDENCE_ROUTINE;
      case "PRIORITY" -> Precedence.PRECEDENCE_PRIORITY;
      case "IMMEDIATE" -> Precedence.PRECEDENCE_IMMEDIATE;
      case "FLASH" -> Precedence.PRECEDENCE_FLASH;
      case "FLASH_OVERRIDE" -> Precedence.PRECEDENCE_FLASH_OVERRIDE;
      default ->
          throw new BadRequest(
              "precedence "
                  + quoted(name)
                  + " is not one of ROUTINE, PRIORITY, IMMEDIATE, FLASH, FLASH_OVERRIDE");
    };
  }

  private static String conference(String id) {
    if (!CONFERENCE.matcher(id).matches()) {
      throw new BadRequest(
          "conference " + quoted(id) + " is not a conference id such as JPN-KOR-USA or JPN-KOR");
    }
    return id;
  }

  private static String id(String id) {
    if (!ID.matcher(id).matches()) {
      throw new BadRequest("an id is 1 to 128 letters, digits or ._:-, not " + quoted(id));
    }
    return id;
  }

  private static String string(Struct body, String field) {
    Value value = body.getFieldsOrDefault(field, Value.getDefaultInstance());
    if (value.hasStringValue()) {
      return value.getStringValue();
    }
    if (value.getKindCase() == Value.KindCase.KIND_NOT_SET || value.hasNullValue()) {
      return "";
    }
    throw new BadRequest(field + " must be a string");
  }

  private static boolean bool(Struct body, String field) {
    Value value = body.getFieldsOrDefault(field, Value.getDefaultInstance());
    if (value.getKindCase() == Value.KindCase.KIND_NOT_SET || value.hasNullValue()) {
      return false;
    }
    if (!value.hasBoolValue()) {
      throw new BadRequest(field + " must be true or false");
    }
    return value.getBoolValue();
  }

  /** Quoted, cut to 64 characters: a hostile value is not echoed whole. */
  private static String quoted(String value) {
    String shown = value.length() > 64 ? value.substring(0, 64) + "…" : value;
    return "\"" + shown + "\"";
  }
}
