package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.hotline.v1.AcknowledgeRequest;
import org.alliedexchange.api.hotline.v1.AcknowledgeResponse;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.EscalationLevel;
import org.alliedexchange.api.hotline.v1.GetStatusRequest;
import org.alliedexchange.api.hotline.v1.GetStatusResponse;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;
import org.alliedexchange.api.hotline.v1.LinkState;
import org.alliedexchange.api.hotline.v1.ListConferencesRequest;
import org.alliedexchange.api.hotline.v1.ListConferencesResponse;
import org.alliedexchange.api.hotline.v1.MarkReadRequest;
import org.alliedexchange.api.hotline.v1.MarkReadResponse;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.Receipt;
import org.alliedexchange.api.hotline.v1.ReceiptState;
import org.alliedexchange.api.hotline.v1.SendRequest;
import org.alliedexchange.api.hotline.v1.SendResponse;
import org.alliedexchange.api.hotline.v1.WatchRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What `allied hotline` sends and prints, against a stand-in node behind a stand-in gateway (the
 * federation's IT uses the real ones): requests, output lines, and exit codes for refusals and
 * unusable input.
 */
class HotlineCommandTest {

  private Server node;
  private final List<Object> asked = new CopyOnWriteArrayList<>();
  private final List<String> nations = new CopyOnWriteArrayList<>();
  private final List<String> bearers = new CopyOnWriteArrayList<>();
  private Status refusal;
  private final List<WatchResponse> events = new ArrayList<>();
  private Path token;
  private Path dir;

  private static final Conference TRILATERAL =
      Conference.newBuilder()
          .setId("JPN-KOR-USA")
          .addNations("JPN")
          .addNations("KOR")
          .addNations("USA")
          .setCeiling(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
          .build();

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    this.dir = dir;
    token = Files.writeString(dir.resolve("token"), jwt("{\"nation\":\"KOR\"}") + "\n");
    HotlineServiceGrpc.HotlineServiceImplBase service =
        new HotlineServiceGrpc.HotlineServiceImplBase() {
          @Override
          public void listConferences(
              ListConferencesRequest request, StreamObserver<ListConferencesResponse> response) {
            response.onNext(ListConferencesResponse.newBuilder().setConference(TRILATERAL).build());
            response.onCompleted();
          }

          @Override
          public void send(SendRequest request, StreamObserver<SendResponse> response) {
            asked.add(request);
            if (refusal != null) {
              response.onError(refusal.asRuntimeException());
              return;
            }
            response.onNext(
                SendResponse.newBuilder()
                    .setLabel(request.getLabel())
                    .setMessage(HotlineMessage.newBuilder().setId("m-1"))
                    .build());
            response.onCompleted();
          }

          @Override
          public void watch(WatchRequest request, StreamObserver<WatchResponse> response) {
            asked.add(request);
            if (refusal != null) {
              response.onError(refusal.asRuntimeException());
              return;
            }
            events.forEach(response::onNext);
            response.onCompleted();
          }

          @Override
          public void markRead(MarkReadRequest request, StreamObserver<MarkReadResponse> response) {
            asked.add(request);
            response.onNext(MarkReadResponse.getDefaultInstance());
            response.onCompleted();
          }

          @Override
          public void acknowledge(
              AcknowledgeRequest request, StreamObserver<AcknowledgeResponse> response) {
            asked.add(request);
            response.onNext(
                AcknowledgeResponse.newBuilder()
                    .setReceipt(
                        Receipt.newBuilder()
                            .setMessageId(request.getMessageId())
                            .setParty("KOR")
                            .setState(ReceiptState.RECEIPT_STATE_ACKNOWLEDGED)
                            .setBy("kor-watch-officer"))
                    .build());
            response.onCompleted();
          }

          @Override
          public void getStatus(
              GetStatusRequest request, StreamObserver<GetStatusResponse> response) {
            response.onNext(
                GetStatusResponse.newBuilder()
                    .setNation("KOR")
                    .addLinks(
                        PeerLink.newBuilder()
                            .setPeer("JPN")
                            .setState(LinkState.LINK_STATE_RED)
                            .setBacklog(4))
                    .addLinks(
                        PeerLink.newBuilder()
                            .setPeer("USA")
                            .setState(LinkState.LINK_STATE_GREEN)
                            .setLastRoundTripUs(1_250))
                    .addOpenAlarms(
                        Alarm.newBuilder()
                            .setId("a-7")
                            .setKind(AlarmKind.ALARM_KIND_LINK_RED)
                            .setPeer("JPN")
                            .setLevel(EscalationLevel.ESCALATION_LEVEL_ADVISER)
                            .setRepeats(3))
                    .build());
            response.onCompleted();
          }
        };
    node =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                ServerInterceptors.intercept(
                    service,
                    new io.grpc.ServerInterceptor() {
                      @Override
                      public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
                          io.grpc.ServerCall<Q, R> call,
                          Metadata headers,
                          io.grpc.ServerCallHandler<Q, R> next) {
                        nations.add(headers.get(AlliedMetadata.NATION));
                        bearers.add(headers.get(AlliedMetadata.AUTHORIZATION));
                        return next.startCall(call, headers);
                      }
                    }))
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    node.shutdownNow();
  }

  private static String jwt(String claims) {
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    return base64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + base64.encodeToString(claims.getBytes(StandardCharsets.UTF_8))
        + ".c2lnbmF0dXJl";
  }

  private record Result(int exit, String out, String err) {}

  private Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of("hotline"));
    all.addAll(List.of(args));
    all.addAll(
        List.of(
            "--token-file",
            token.toString(),
            "--gateway",
            "http://127.0.0.1:" + node.getPort(),
            "--data-dir",
            dir.toString()));
    int exit =
        Allied.commandLine(new ByteArrayInputStream(new byte[0]), out, err, Clock.systemUTC())
            .execute(all.toArray(String[]::new));
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void sendLabelsTheMessageInTheSendersMarkingForTheConferencesNationsAndPrintsItsId() {
    Result sent =
        run(
            "send",
            "--conference",
            "JPN-KOR-USA",
            "--precedence",
            "flash",
            "--marking",
            "군사II급비밀",
            "--text",
            "Confer now.",
            "--drill");

    assertThat(sent.exit()).as(sent.err()).isZero();
    assertThat(sent.out()).isEqualTo("m-1\n");
    SendRequest request = (SendRequest) asked.get(0);
    assertThat(request.getPrecedence()).isEqualTo(Precedence.PRECEDENCE_FLASH);
    assertThat(request.getType()).isEqualTo(MessageType.MESSAGE_TYPE_DRILL);
    assertThat(request.getText()).isEqualTo("Confer now.");
    assertThat(request.getIdempotencyKey()).isNotBlank();
    assertThat(request.getLabel().getMarking()).isEqualTo("군사II급비밀");
    assertThat(request.getLabel().getLevel())
        .isEqualTo(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET);
    assertThat(request.getLabel().getOriginator()).isEqualTo("KOR");
    assertThat(request.getLabel().getReleasableToList()).containsExactly("JPN", "KOR", "USA");
    assertThat(request.getLabel().hasRelease()).isFalse();
    // the caller's own nation's node, with the caller's token
    assertThat(nations).containsOnly("KOR");
    assertThat(bearers).allMatch(b -> b.startsWith("Bearer ey"));
  }

  @Test
  void aRefusedSendPrintsTheStatusAndTheNodesReasonAndExitsOne() {
    refusal =
        Status.FAILED_PRECONDITION.withDescription(
            "JPN may not receive it: above the Korea–Japan GSOMIA's levels");

    Result sent =
        run(
            "send",
            "--conference",
            "JPN-KOR-USA",
            "--precedence",
            "IMMEDIATE",
            "--marking",
            "군사I급비밀",
            "--text",
            "x");

    assertThat(sent.exit()).isEqualTo(1);
    assertThat(sent.out()).isEmpty();
    assertThat(sent.err())
        .isEqualTo(
            "allied hotline send: FAILED_PRECONDITION: JPN may not receive it: above the Korea–Japan GSOMIA's levels\n");
  }

  @Test
  void unusableInputExitsTwoBeforeAnythingIsSent() {
    Result marking =
        run(
            "send",
            "--conference",
            "JPN-KOR-USA",
            "--precedence",
            "FLASH",
            "--marking",
            "極秘",
            "--text",
            "x");
    Result precedence =
        run(
            "send",
            "--conference",
            "JPN-KOR-USA",
            "--precedence",
            "URGENT",
            "--marking",
            "군사II급비밀",
            "--text",
            "x");
    Result missing = run("send", "--conference", "JPN-KOR-USA", "--text", "x");

    assertThat(marking.exit()).isEqualTo(2);
    assertThat(marking.err())
        .startsWith(
            "allied hotline send: --marking \"極秘\" is not a marking of KOR's scheme; use one of");
    assertThat(precedence.exit()).isEqualTo(2);
    assertThat(precedence.err())
        .isEqualTo(
            "allied hotline send: --precedence \"URGENT\": use one of [ROUTINE, PRIORITY, IMMEDIATE, FLASH, FLASH_OVERRIDE]\n");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("Missing required options: '--precedence=P', '--marking=M'");
    assertThat(asked).isEmpty();
  }

  @Test
  void aTokenWithoutANationIsRefusedAtOnce() throws Exception {
    Files.writeString(token, jwt("{\"sub\":\"someone\"}"));

    Result status = run("status");

    assertThat(status.exit()).isEqualTo(2);
    assertThat(status.err())
        .isEqualTo(
            "allied hotline status: the token names no nation: is it a hotline member's (`./allied login --user kor-watch-officer`)?\n");
  }

  @Test
  void watchPrintsEachEventAsTheOperatorSeesItWithItsCursorAndMarksForeignMessagesRead() {
    events.add(
        WatchResponse.newBuilder()
            .setLabel(
                SecurityLabel.newBuilder()
                    .setMarking("SECRET")
                    .setOriginator("USA")
                    .setRelease(
                        Release.newBuilder().setRecipientNation("KOR").setMarking("군사II급비밀")))
            .setMessage(
                HotlineMessage.newBuilder()
                    .setId("m-9")
                    .setConference("JPN-KOR-USA")
                    .setOrigin("USA")
                    .setSender("usa-principal")
                    .setPrecedence(Precedence.PRECEDENCE_FLASH)
                    .setType(MessageType.MESSAGE_TYPE_EXERCISE)
                    .setSerial(12)
                    .setDelayed(true)
                    .setDelayMs(7_500)
                    // a hostile peer's text: an escape sequence and a line break
                    .setText("Confer\u001b[2J now\nplease"))
            .setCursor("c-1")
            .build());
    events.add(
        WatchResponse.newBuilder()
            .setReceipt(
                Receipt.newBuilder()
                    .setMessageId("m-8")
                    .setParty("JPN")
                    .setState(ReceiptState.RECEIPT_STATE_ACKNOWLEDGED)
                    .setBy("jpn-nsa"))
            .setCursor("c-2")
            .build());
    events.add(
        WatchResponse.newBuilder()
            .setLink(
                PeerLink.newBuilder()
                    .setPeer("JPN")
                    .setState(LinkState.LINK_STATE_AMBER)
                    .setLastRoundTripUs(2_500))
            .setCursor("c-3")
            .build());

    Result watched = run("watch", "--conference", "JPN-KOR-USA", "--from", "c-0");

    assertThat(watched.exit()).as(watched.err()).isZero();
    assertThat(watched.out().lines())
        .containsExactly(
            "MESSAGE  FLASH  EXERCISE  DELAYED 7.5 s  JPN-KOR-USA #12 from USA usa-principal  군사II급비밀 (KOR marking of USA SECRET)  id m-9  \"Confer\\u001b[2J now\\nplease\"  cursor c-1",
            "RECEIPT  m-8  JPN  ACKNOWLEDGED  by jpn-nsa  cursor c-2",
            "LINK  JPN  AMBER  round trip 2.500 ms  backlog 0  cursor c-3");
    assertThat(asked)
        .containsExactly(
            WatchRequest.newBuilder().setConference("JPN-KOR-USA").setFromCursor("c-0").build(),
            MarkReadRequest.newBuilder().addMessageIds("m-9").build());
  }

  @Test
  void watchAsJsonIsOneObjectPerLineAndAnEndedStreamTellsWhereToResume() {
    events.add(
        WatchResponse.newBuilder()
            .setReceipt(Receipt.newBuilder().setMessageId("m-8").setParty("USA"))
            .setCursor("c-5")
            .build());

    Result json = run("watch", "--conference", "JPN-KOR-USA", "--json");
    refusal = Status.UNAVAILABLE.withDescription("the node of KOR is not reachable");
    Result down = run("watch", "--conference", "JPN-KOR-USA", "--from", "c-5");

    assertThat(json.out())
        .isEqualTo("{\"receipt\":{\"messageId\":\"m-8\",\"party\":\"USA\"},\"cursor\":\"c-5\"}\n");
    assertThat(down.exit()).isEqualTo(1);
    assertThat(down.err())
        .isEqualTo(
            "resume with: --from c-5\nallied hotline watch: UNAVAILABLE: the node of KOR is not reachable\n");
  }

  @Test
  void statusListsEachPeersLinkAndTheOpenAlarmsAndAckPrintsTheReceipt() {
    Result status = run("status");
    Result ack = run("ack", "m-3");

    assertThat(status.out().lines())
        .containsExactly(
            "node KOR",
            "LINK  JPN  RED  round trip none yet  backlog 4",
            "LINK  USA  GREEN  round trip 1.250 ms  backlog 0",
            "ALARM  a-7  LINK_RED  level ADVISER  peer JPN  repeats 3  OPEN");
    assertThat(ack.out()).isEqualTo("RECEIPT  m-3  KOR  ACKNOWLEDGED  by kor-watch-officer\n");
    assertThat(asked).containsExactly(AcknowledgeRequest.newBuilder().setMessageId("m-3").build());
  }
}
