package org.alliedexchange.hotline.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.AccessTable;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.api.hotline.v1.AcknowledgeAlarmRequest;
import org.alliedexchange.api.hotline.v1.AcknowledgeAlarmResponse;
import org.alliedexchange.api.hotline.v1.AcknowledgeRequest;
import org.alliedexchange.api.hotline.v1.AcknowledgeResponse;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.GetStatusRequest;
import org.alliedexchange.api.hotline.v1.GetStatusResponse;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;
import org.alliedexchange.api.hotline.v1.ListConferencesRequest;
import org.alliedexchange.api.hotline.v1.ListConferencesResponse;
import org.alliedexchange.api.hotline.v1.MarkReadRequest;
import org.alliedexchange.api.hotline.v1.MarkReadResponse;
import org.alliedexchange.api.hotline.v1.ReceiptState;
import org.alliedexchange.api.hotline.v1.SendRequest;
import org.alliedexchange.api.hotline.v1.SendResponse;
import org.alliedexchange.api.hotline.v1.WatchRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.hotline.audit.HotlineAudit;
import org.alliedexchange.hotline.domain.ConferenceBook;
import org.alliedexchange.hotline.domain.SendCheck;
import org.alliedexchange.hotline.domain.SendRefusal;
import org.alliedexchange.hotline.line.LineSupervision;
import org.alliedexchange.hotline.node.HotlineNode;
import org.alliedexchange.hotline.store.HotlineStore;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HotlineService: what the members of this node's nation call, through the gateway, with their own
 * identities. This node's own check, independent of the gateway's: the role, the nation, and
 * membership of the conference.
 */
public final class HotlineGrpcService extends HotlineServiceGrpc.HotlineServiceImplBase {

  private static final Logger log = LoggerFactory.getLogger(HotlineGrpcService.class);
  private static final int WATCH_PAGE = 256;
  private static final int MAX_MARK_READ = 1000;

  private final HotlineNode node;
  private final Supplier<LineSupervision> line;
  private final Executor streams;
  private final java.util.Set<WatchSession> open =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  public HotlineGrpcService(HotlineNode node, Supplier<LineSupervision> line, Executor streams) {
    this.node = node;
    this.line = line;
    this.streams = streams;
  }

  /** The caller, when a member of this nation may make this call here. */
  private Caller member(String method) {
    Caller caller = AuthenticationInterceptor.caller();
    String role = AccessTable.HOTLINE.method(method).role();
    if (!caller.hasRole(role)) {
      throw Status.PERMISSION_DENIED
          .withDescription("the hotline needs the " + role + " role")
          .asRuntimeException();
    }
    if (!node.nation().equals(caller.nation())) {
      throw Status.PERMISSION_DENIED
          .withDescription(
              "this is "
                  + node.nation()
                  + "'s hotline node; a member of "
                  + caller.nation()
                  + " uses their own nation's")
          .asRuntimeException();
    }
    return caller;
  }

  /** The conference, when the caller is one of its members. */
  private Conference conferenceOf(Caller caller, String id) {
    Conference conference =
        node.book()
            .find(id)
            .filter(c -> c.getNationsList().contains(node.nation()))
            .orElseThrow(
                () ->
                    Status.NOT_FOUND
                        .withDescription("no conference " + quoted(id) + " on this node")
                        .asRuntimeException());
    if (ConferenceBook.member(conference, caller.nation(), caller.system()).isEmpty()) {
      throw Status.PERMISSION_DENIED
          .withDescription(caller.system() + " is not a member of conference " + id)
          .asRuntimeException();
    }
    return conference;
  }

  private SecurityLabel ownLabel() {
    return node.nodeLabel(List.of());
  }

  @Override
  public void listConferences(
      ListConferencesRequest request, StreamObserver<ListConferencesResponse> response) {
    answer(
        response,
        () -> {
          Caller caller = member("ListConferences");
          for (Conference conference : node.conferences()) {
            if (ConferenceBook.member(conference, caller.nation(), caller.system()).isPresent()) {
              response.onNext(
                  ListConferencesResponse.newBuilder()
                      .setLabel(ownLabel())
                      .setConference(conference)
                      .build());
            }
          }
          response.onCompleted();
        });
  }

  @Override
  public void send(SendRequest request, StreamObserver<SendResponse> response) {
    answer(
        response,
        () -> {
          Caller caller = member("Send");
          Conference conference = conferenceOf(caller, request.getConference());
          if (!SendCheck.SEND_KEY.matcher(request.getIdempotencyKey()).matches()) {
            throw Status.INVALID_ARGUMENT
                .withDescription("idempotency_key must be up to 128 printable ASCII characters")
                .asRuntimeException();
          }
          if (request.getTypeValue() < 0
              || request.getType() == org.alliedexchange.api.hotline.v1.MessageType.UNRECOGNIZED) {
            throw Status.INVALID_ARGUMENT
                .withDescription("type is not a known message type")
                .asRuntimeException();
          }
          HotlineNode.Sent sent =
              node.send(
                  new HotlineNode.Sender(
                      caller.system(), caller.nation(), caller.hasRole(Roles.HOTLINE_PRINCIPAL)),
                  conference,
                  request.getLabel(),
                  request.getPrecedence(),
                  request.getType(),
                  request.getText(),
                  request.getIdempotencyKey(),
                  false);
          response.onNext(
              SendResponse.newBuilder().setLabel(sent.label()).setMessage(sent.message()).build());
          response.onCompleted();
        });
  }

  @Override
  public void acknowledge(
      AcknowledgeRequest request, StreamObserver<AcknowledgeResponse> response) {
    answer(
        response,
        () -> {
          Caller caller = member("Acknowledge");
          var message = node.messageFromPeer(request.getMessageId());
          conferenceOf(caller, message.conference());
          var receipt =
              node.personReceipt(
                  request.getMessageId(), caller.system(), ReceiptState.RECEIPT_STATE_ACKNOWLEDGED);
          response.onNext(
              AcknowledgeResponse.newBuilder().setLabel(ownLabel()).setReceipt(receipt).build());
          response.onCompleted();
        });
  }

  @Override
  public void markRead(MarkReadRequest request, StreamObserver<MarkReadResponse> response) {
    answer(
        response,
        () -> {
          Caller caller = member("MarkRead");
          LinkedHashSet<String> ids = new LinkedHashSet<>(request.getMessageIdsList());
          if (ids.isEmpty() || ids.size() > MAX_MARK_READ) {
            throw Status.INVALID_ARGUMENT
                .withDescription("message_ids: 1 to " + MAX_MARK_READ + " messages")
                .asRuntimeException();
          }
          // every one checked before any is marked
          for (String id : ids) {
            conferenceOf(caller, node.messageFromPeer(id).conference());
          }
          MarkReadResponse.Builder answer = MarkReadResponse.newBuilder().setLabel(ownLabel());
          for (String id : ids) {
            answer.addReceipts(
                node.personReceipt(id, caller.system(), ReceiptState.RECEIPT_STATE_READ));
          }
          response.onNext(answer.build());
          response.onCompleted();
        });
  }

  @Override
  public void acknowledgeAlarm(
      AcknowledgeAlarmRequest request, StreamObserver<AcknowledgeAlarmResponse> response) {
    answer(
        response,
        () -> {
          Caller caller = member("AcknowledgeAlarm");
          if (request.getAlarmId().isEmpty() || request.getAlarmId().length() > 128) {
            throw Status.INVALID_ARGUMENT
                .withDescription("alarm_id is required")
                .asRuntimeException();
          }
          var alarm = line.get().acknowledgeAlarm(request.getAlarmId(), caller.system());
          response.onNext(
              AcknowledgeAlarmResponse.newBuilder().setLabel(ownLabel()).setAlarm(alarm).build());
          response.onCompleted();
        });
  }

  @Override
  public void getStatus(GetStatusRequest request, StreamObserver<GetStatusResponse> response) {
    answer(
        response,
        () -> {
          member("GetStatus");
          LineSupervision supervision = line.get();
          response.onNext(
              GetStatusResponse.newBuilder()
                  .setLabel(ownLabel())
                  .setNation(node.nation())
                  .addAllLinks(supervision.links())
                  .addAllOpenAlarms(supervision.openAlarms())
                  .build());
          response.onCompleted();
        });
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchResponse> response) {
    answer(
        response,
        () -> {
          Caller caller = member("Watch");
          Conference conference = conferenceOf(caller, request.getConference());
          ServerCallStreamObserver<WatchResponse> call =
              (ServerCallStreamObserver<WatchResponse>) response;
          WatchSession session = new WatchSession(conference.getId(), caller.system(), call);
          // listening before the starting position is read, so nothing falls between
          node.addEventListener(session);
          open.add(session);
          call.setOnCancelHandler(
              () -> {
                node.removeEventListener(session);
                open.remove(session);
              });
          call.setOnReadyHandler(session.drain::signal);
          session.position = startPosition(request.getFromCursor());
          session.drain.signal();
        });
  }

  private long startPosition(String cursor) {
    if (cursor.isEmpty()) {
      return node.store().lastPosition();
    }
    try {
      long position = Long.parseLong(cursor);
      if (position < 0) {
        throw new NumberFormatException();
      }
      return position;
    } catch (NumberFormatException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription("from_cursor " + quoted(cursor) + " is not a cursor this node gave")
          .asRuntimeException();
    }
  }

  /**
   * One open Watch: sends the conference's events after its position, while the stream is ready.
   */
  private final class WatchSession implements HotlineNode.EventListener {
    final String conference;
    final String username;
    final ServerCallStreamObserver<WatchResponse> call;
    final Drain drain;
    volatile long position;
    volatile Status ending;
    private boolean ended;

    WatchSession(String conference, String username, ServerCallStreamObserver<WatchResponse> call) {
      this.conference = conference;
      this.username = username;
      this.call = call;
      this.drain = new Drain(streams, this::drain);
    }

    @Override
    public void grew(String grown) {
      if (grown.equals(conference)) {
        drain.signal();
      }
    }

    private void drain() {
      if (ended || call.isCancelled()) {
        return;
      }
      if (ending != null) {
        end(ending);
        return;
      }
      try {
        while (call.isReady()) {
          List<HotlineStore.LoggedEvent> events =
              node.store().eventsAfter(conference, position, WATCH_PAGE);
          if (events.isEmpty()) {
            return;
          }
          List<String> shownMessages = new java.util.ArrayList<>();
          for (HotlineStore.LoggedEvent event : events) {
            WatchResponse shown =
                WatchResponse.parseFrom(event.response()).toBuilder()
                    .setCursor(Long.toString(event.position()))
                    .build();
            call.onNext(shown);
            position = event.position();
            if (event.messageId() != null && !node.nation().equals(event.origin())) {
              shownMessages.add(event.messageId());
            }
          }
          if (!shownMessages.isEmpty()) {
            streams.execute(() -> node.delivered(shownMessages, username));
          }
        }
      } catch (InvalidProtocolBufferException e) {
        end(Status.INTERNAL.withDescription("a logged event does not parse"));
      } catch (HotlineStore.StoreException e) {
        end(Status.UNAVAILABLE.withDescription(e.getMessage() + "; resume from your cursor"));
      } catch (StatusRuntimeException | IllegalStateException cancelled) {
        node.removeEventListener(this);
      }
    }

    private void end(Status status) {
      ended = true;
      node.removeEventListener(this);
      open.remove(this);
      try {
        call.onError(status.asRuntimeException());
      } catch (RuntimeException alreadyClosed) {
        log.debug("watch stream already closed: {}", alreadyClosed.toString());
      }
    }
  }

  /**
   * Ends every open Watch, so the server stops without waiting for them; a client resumes from its
   * last cursor.
   */
  public void endStreams() {
    for (WatchSession session : open) {
      session.ending =
          Status.UNAVAILABLE.withDescription(
              "the hotline node is stopping; resume from your last cursor");
      session.drain.signal();
    }
  }

  /** Runs a call, answering a refusal with its status. */
  static void answer(StreamObserver<?> response, Runnable call) {
    try {
      call.run();
    } catch (SendRefusal refusal) {
      Status status =
          switch (refusal.kind()) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case DENIED -> Status.PERMISSION_DENIED;
            case PRECONDITION -> Status.FAILED_PRECONDITION;
          };
      response.onError(status.withDescription(refusal.getMessage()).asRuntimeException());
    } catch (HotlineAudit.Unavailable | HotlineStore.StoreException e) {
      response.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
    } catch (StatusRuntimeException e) {
      response.onError(e);
    }
  }

  static String quoted(String value) {
    String shown = value.length() > 64 ? value.substring(0, 64) + "…" : value;
    return '"' + shown.replaceAll("\\p{C}", "?") + '"';
  }
}
