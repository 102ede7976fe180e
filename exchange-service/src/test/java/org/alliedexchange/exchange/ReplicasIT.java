package org.alliedexchange.exchange;

import static org.alliedexchange.exchange.ExchangeServiceIT.korPublisher;
import static org.alliedexchange.exchange.ExchangeServiceIT.usaReader;
import static org.alliedexchange.exchange.Products.label;
import static org.alliedexchange.exchange.Products.missileLaunch;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of KOR's exchange service on one PostgreSQL share their live products and their
 * store.
 */
class ReplicasIT {

  static LocalPostgres postgres;
  static ExchangeServiceApplication.Running first;
  static ExchangeServiceApplication.Running second;
  static ManagedChannel toFirst;
  static ManagedChannel toSecond;

  @BeforeAll
  static void start() throws Exception {
    Path data = Files.createTempDirectory("allied-replicas-");
    ExchangeServiceIT.redis = LocalRedis.start(data.resolve("redis"));
    ExchangeServiceIT.tokens = new TestTokens();
    postgres = LocalPostgres.start(data.resolve("pg"));
    first = ExchangeServiceApplication.start(replica(data.resolve("a"), data), null);
    second = ExchangeServiceApplication.start(replica(data.resolve("b"), data), null);
    toFirst = TestPki.shared().asGateway(first.port());
    toSecond = TestPki.shared().asGateway(second.port());
  }

  /** One replica: the shared database and the one signing key of the nation. */
  private static Map<String, Object> replica(Path dir, Path data) {
    Map<String, Object> properties = ExchangeServiceIT.properties("KOR", dir, postgres.url());
    properties.put(
        "allied.exchange.signing-key", data.resolve("shared-signing-key.pem").toString());
    return properties;
  }

  @AfterAll
  static void stop() throws Exception {
    toFirst.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    toSecond.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    first.close();
    second.close();
    postgres.close();
    ExchangeServiceIT.tokens.close();
    ExchangeServiceIT.redis.close();
  }

  @Test
  void aProductPublishedOnOneReplicaReachesSubscribersOfTheOther() throws Exception {
    String topic = "test.replicas." + System.nanoTime();
    ExchangeServiceIT.Collected onSecond =
        ExchangeServiceIT.subscribe(second, toSecond, usaReader(), topic, "");

    String id =
        ExchangeServiceGrpc.newBlockingStub(toFirst)
            .withCallCredentials(TestTokens.bearer(korPublisher()))
            .publish(missileLaunch(topic, label("KOR", "군사II급비밀", "KOR", "USA")))
            .getContent()
            .getId();

    assertThat(onSecond.next().getContent().getId()).isEqualTo(id);
    assertThat(
            ExchangeServiceGrpc.newBlockingStub(toSecond)
                .withCallCredentials(TestTokens.bearer(usaReader()))
                .get(GetRequest.newBuilder().setProductId(id).build())
                .getContent()
                .getId())
        .isEqualTo(id);
    onSecond.cancel();
  }

  @Test
  void concurrentPublishesOnBothReplicasReachASubscriberInFeedOrderWithNoneMissing()
      throws Exception {
    String topic = "test.replicas.order." + System.nanoTime();
    ExchangeServiceIT.Collected subscriber =
        ExchangeServiceIT.subscribe(first, toFirst, usaReader(), topic, "");
    int each = 40;
    Thread a = new Thread(() -> publishMany(toFirst, topic, each));
    Thread b = new Thread(() -> publishMany(toSecond, topic, each));
    a.start();
    b.start();
    a.join();
    b.join();

    long previous = 0;
    for (int i = 0; i < 2 * each; i++) {
      long position = Long.parseLong(subscriber.next().getCursor().substring(1));
      assertThat(position).isGreaterThan(previous);
      previous = position;
    }
    assertThat(subscriber.poll(300)).isNull();
    subscriber.cancel();
  }

  private static void publishMany(ManagedChannel channel, String topic, int count) {
    var stub =
        ExchangeServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(TestTokens.bearer(korPublisher()));
    for (int i = 0; i < count; i++) {
      stub.publish(missileLaunch(topic, label("KOR", "군사II급비밀", "KOR", "USA")));
    }
  }
}
