package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.FreeTextReport;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.exchange.feed.LiveFeed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Subscribers that stop reading do not hold up the others: every subscription to KOR's exchange
 * service shares the gateway's one HTTP/2 connection to it, so a subscriber that does not read must
 * not keep the others' products from arriving. Then the slow ones read, and get everything, in
 * order.
 */
class SlowSubscriberIT {

  private static final int SLOW = 4;
  // 400 products of 16 KiB: each slow subscriber leaves over 6 MiB unread, more than its own
  // window (1 MiB), the gateway's buffers and the gateway's window towards the exchange service
  // (1 MiB) together
  private static final int PRODUCTS = 400;
  private static final String BODY = "x".repeat(16 * 1024);

  static KoreaBehindTheGateway federation;
  static final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    federation = new KoreaBehindTheGateway(false);
  }

  @AfterAll
  static void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    federation.close();
  }

  @Test
  void aSubscriberThatStopsReadingDelaysNoOtherAndLaterGetsEverythingInOrder() throws Exception {
    String topic = "kor.slow." + System.nanoTime();
    Reader fast = new Reader(federation.channel, reader("jpn-mod-reader", "JPN"), topic, true);
    List<Reader> slow = new ArrayList<>();
    for (int i = 0; i < SLOW; i++) {
      // each its own national system with its own connection to the gateway, as they would be
      ManagedChannel own =
          NettyChannelBuilder.forAddress("127.0.0.1", federation.gateway.port())
              .usePlaintext()
              .build();
      channels.add(own);
      slow.add(new Reader(own, reader("usa-slow-reader-" + i, "USA"), topic, false));
    }
    LiveFeed feed = federation.kor.context().getBean(LiveFeed.class);
    await().atMost(Duration.ofSeconds(20)).until(() -> feed.subscriptions(topic) == SLOW + 1);

    List<String> published = new ArrayList<>();
    String publisher = federation.publisher();
    for (int i = 0; i < PRODUCTS; i++) {
      // a fresh deadline each: before the fix, a publish timed out once the slow ones had filled
      // the connection (after about 160 products)
      published.add(federation.korea(publisher).publish(product(topic, i)).getContent().getId());
    }

    // the reader that reads gets every product while the others read nothing
    await().atMost(Duration.ofSeconds(60)).until(() -> fast.ids.size() >= PRODUCTS);
    assertThat(fast.ids).containsExactlyElementsOf(published);
    assertThat(fast.ended).isNotDone();
    for (Reader reader : slow) {
      assertThat(reader.ids.size()).isLessThan(PRODUCTS);
    }

    // the slow ones read at last: nothing was lost or repeated on the way, nothing reordered
    slow.forEach(Reader::readEverything);
    for (Reader reader : slow) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> reader.ids.size() >= PRODUCTS || reader.ended.isDone());
      assertThat(reader.ended).as("the slow subscription was not ended").isNotDone();
      assertThat(reader.ids).containsExactlyElementsOf(published);
    }
  }

  private static String reader(String system, String nation) {
    return federation.tokens.token(
        system, nation, "SECRET", List.of("MISSILE_WARNING"), List.of("exchange-read"));
  }

  private static PublishRequest product(String topic, int i) {
    return PublishRequest.newBuilder()
        .setLabel(
            SecurityLabel.newBuilder()
                .setPolicy("KOR")
                .setMarking("군사II급비밀")
                .setOriginator("KOR")
                .addAllReleasableTo(List.of("KOR", "JPN", "USA"))
                .addCommunities("MISSILE_WARNING"))
        .setContent(
            ProductContent.newBuilder()
                .setTopic(topic)
                .setObservedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                .setFreeText(
                    FreeTextReport.newBuilder()
                        .setTitle("track " + i)
                        .setBody(BODY)
                        .setLanguage("en")))
        .build();
  }

  /** A subscription from the topic's start; one that is not reading takes nothing until told. */
  private static final class Reader
      implements ClientResponseObserver<SubscribeRequest, SubscribeResponse> {
    final List<String> ids = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    private final boolean reading;
    private ClientCallStreamObserver<SubscribeRequest> call;

    Reader(ManagedChannel channel, String token, String topic, boolean reading) {
      this.reading = reading;
      Metadata headers = new Metadata();
      headers.put(GatewayFixture.NATION, "KOR");
      ExchangeServiceGrpc.newStub(channel)
          .withCallCredentials(TestTokens.bearer(token))
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
          .withDeadlineAfter(3, TimeUnit.MINUTES)
          .subscribe(
              SubscribeRequest.newBuilder().setTopic(topic).setFromCursor("f0").build(), this);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeRequest> call) {
      this.call = call;
      if (!reading) {
        call.disableAutoRequestWithInitial(1);
      }
    }

    void readEverything() {
      call.request(Integer.MAX_VALUE);
    }

    @Override
    public void onNext(SubscribeResponse value) {
      ids.add(value.getContent().getId());
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.OK);
    }
  }
}
