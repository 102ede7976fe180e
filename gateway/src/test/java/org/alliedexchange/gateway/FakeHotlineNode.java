package org.alliedexchange.gateway;

import com.google.protobuf.Timestamp;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.alliedexchange.api.hotline.v1.AcknowledgeAlarmRequest;
import org.alliedexchange.api.hotline.v1.AcknowledgeAlarmResponse;
import org.alliedexchange.api.hotline.v1.AcknowledgeRequest;
import org.alliedexchange.api.hotline.v1.AcknowledgeResponse;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.GetStatusRequest;
import org.alliedexchange.api.hotline.v1.GetStatusResponse;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;
import org.alliedexchange.api.hotline.v1.ListConferencesRequest;
import org.alliedexchange.api.hotline.v1.ListConferencesResponse;
import org.alliedexchange.api.hotline.v1.MarkReadRequest;
import org.alliedexchange.api.hotline.v1.MarkReadResponse;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.alliedexchange.api.hotline.v1.Receipt;
import org.alliedexchange.api.hotline.v1.ReceiptState;
import org.alliedexchange.api.hotline.v1.SendRequest;
import org.alliedexchange.api.hotline.v1.SendResponse;
import org.alliedexchange.api.hotline.v1.WatchRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * A stand-in for a nation's hotline node behind the gateway (h2c), implementing the HotlineService
 * as the proto says, with what each test puts in it: conferences, events for the watchers, the
 * line's status. It keeps what the page's calls asked for, so a test can see that a button press
 * reached the node.
 */
final class FakeHotlineNode implements AutoCloseable {

  final String nation;
  final List<Conference> conferences = new CopyOnWriteArrayList<>();
  final List<AcknowledgeRequest> acknowledged = new CopyOnWriteArrayList<>();
  final List<AcknowledgeAlarmRequest> alarmsAcknowledged = new CopyOnWriteArrayList<>();
  final List<MarkReadRequest> read = new CopyOnWriteArrayList<>();
  final List<SendRequest> sent = new CopyOnWriteArrayList<>();
  final List<PeerLink> links = new CopyOnWriteArrayList<>();
  final List<Alarm> openAlarms = new CopyOnWriteArrayList<>();

  /** When set, the next Send is refused with it. */
  volatile Status refuseSend;

  private final List<WatchResponse> history = new ArrayList<>();
  private final List<StreamObserver<WatchResponse>> watchers = new CopyOnWriteArrayList<>();
  private final Server server;

  FakeHotlineNode(String nation) throws IOException {
    this.nation = nation;
    this.server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new Service())
            .build()
            .start();
  }

  int port() {
    return server.getPort();
  }

  /** The node's own UNCLASSIFIED label, as it labels everything that is not a message. */
  SecurityLabel ownLabel(String marking) {
    return SecurityLabel.newBuilder()
        .setPolicy(nation)
        .setOriginator(nation)
        .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_UNCLASSIFIED)
        .setMarking(marking)
        .addReleasableTo(nation)
        .setCreatedAt(now())
        .build();
  }

  static Timestamp now() {
    Instant now = Instant.now();
    return Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
  }

  /** An event for every open Watch, numbered like a node's cursor. */
  synchronized void publish(WatchResponse.Builder event) {
    WatchResponse numbered = event.setCursor(Integer.toString(history.size() + 1)).build();
    history.add(numbered);
    for (StreamObserver<WatchResponse> watcher : watchers) {
      synchronized (watcher) {
        watcher.onNext(numbered);
      }
    }
  }

  int watchers() {
    return watchers.size();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  private final class Service extends HotlineServiceGrpc.HotlineServiceImplBase {

    @Override
    public void listConferences(
        ListConferencesRequest request, StreamObserver<ListConferencesResponse> responses) {
      for (Conference conference : conferences) {
        responses.onNext(
            ListConferencesResponse.newBuilder()
                .setLabel(ownLabel(marking()))
                .setConference(conference)
                .build());
      }
      responses.onCompleted();
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchResponse> responses) {
      ServerCallStreamObserver<WatchResponse> call =
          (ServerCallStreamObserver<WatchResponse>) responses;
      call.setOnCancelHandler(() -> watchers.remove(responses));
      synchronized (FakeHotlineNode.this) {
        long from =
            request.getFromCursor().isEmpty()
                ? history.size()
                : Long.parseLong(request.getFromCursor());
        synchronized (responses) {
          for (WatchResponse event :
              history.subList((int) Math.min(from, history.size()), history.size())) {
            if (event.getMessage().getConference().equals(request.getConference())
                || !event.hasMessage()) {
              responses.onNext(event);
            }
          }
        }
        watchers.add(responses);
      }
    }

    @Override
    public void send(SendRequest request, StreamObserver<SendResponse> responses) {
      Status refusal = refuseSend;
      if (refusal != null) {
        refuseSend = null;
        responses.onError(refusal.asRuntimeException());
        return;
      }
      sent.add(request);
      HotlineMessage message =
          HotlineMessage.newBuilder()
              .setId(UUID.randomUUID().toString())
              .setConference(request.getConference())
              .setOrigin(nation)
              .setSender("jpn-watch-officer")
              .setPrecedence(request.getPrecedence())
              .setType(request.getType())
              .setSerial(sent.size())
              .setText(request.getText())
              .setAcceptedAt(now())
              .build();
      responses.onNext(
          SendResponse.newBuilder().setLabel(request.getLabel()).setMessage(message).build());
      responses.onCompleted();
    }

    @Override
    public void acknowledge(
        AcknowledgeRequest request, StreamObserver<AcknowledgeResponse> responses) {
      acknowledged.add(request);
      responses.onNext(
          AcknowledgeResponse.newBuilder()
              .setLabel(ownLabel(marking()))
              .setReceipt(
                  Receipt.newBuilder()
                      .setMessageId(request.getMessageId())
                      .setParty(nation)
                      .setState(ReceiptState.RECEIPT_STATE_ACKNOWLEDGED)
                      .setBy("jpn-watch-officer")
                      .setAt(now()))
              .build());
      responses.onCompleted();
    }

    @Override
    public void markRead(MarkReadRequest request, StreamObserver<MarkReadResponse> responses) {
      read.add(request);
      MarkReadResponse.Builder answer = MarkReadResponse.newBuilder().setLabel(ownLabel(marking()));
      for (String id : request.getMessageIdsList()) {
        answer.addReceipts(
            Receipt.newBuilder()
                .setMessageId(id)
                .setParty(nation)
                .setState(ReceiptState.RECEIPT_STATE_READ)
                .setBy("jpn-watch-officer")
                .setAt(now()));
      }
      responses.onNext(answer.build());
      responses.onCompleted();
    }

    @Override
    public void acknowledgeAlarm(
        AcknowledgeAlarmRequest request, StreamObserver<AcknowledgeAlarmResponse> responses) {
      alarmsAcknowledged.add(request);
      Alarm alarm =
          openAlarms.stream()
              .filter(a -> a.getId().equals(request.getAlarmId()))
              .findFirst()
              .orElse(null);
      if (alarm == null) {
        responses.onError(
            Status.NOT_FOUND
                .withDescription("no open alarm " + request.getAlarmId())
                .asRuntimeException());
        return;
      }
      openAlarms.remove(alarm);
      responses.onNext(
          AcknowledgeAlarmResponse.newBuilder()
              .setLabel(ownLabel(marking()))
              .setAlarm(
                  alarm.toBuilder().setAcknowledgedBy("jpn-watch-officer").setAcknowledgedAt(now()))
              .build());
      responses.onCompleted();
    }

    @Override
    public void getStatus(GetStatusRequest request, StreamObserver<GetStatusResponse> responses) {
      responses.onNext(
          GetStatusResponse.newBuilder()
              .setLabel(ownLabel(marking()))
              .setNation(nation)
              .addAllLinks(links)
              .addAllOpenAlarms(openAlarms)
              .build());
      responses.onCompleted();
    }
  }

  /** The node's own unclassified marking. */
  private String marking() {
    return switch (nation) {
      case "KOR" -> "일반";
      case "JPN" -> "一般";
      default -> "UNCLASSIFIED";
    };
  }
}
