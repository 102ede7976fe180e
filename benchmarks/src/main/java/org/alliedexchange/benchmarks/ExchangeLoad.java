package org.alliedexchange.benchmarks;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.FreeTextReport;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.PublishResponse;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.exchange.ExchangeServiceApplication;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.client.ClientCredentials;

/**
 * A load run against one real exchange service (KOR) on an embedded PostgreSQL, with real Keycloak
 * tokens, client and server on the same machine. Measures the issue-4 figures: publish throughput,
 * search streaming to one client, and live-product latency to a subscriber.
 *
 * <pre>./mvnw -q -B -pl benchmarks -am install -DskipTests && ./mvnw -q -B -pl benchmarks exec:exec@exchange-load</pre>
 */
public final class ExchangeLoad {

  private static final int PUBLISH_WARMUP = 3_000;
  private static final int PUBLISHED = 60_000;
  private static final int CONCURRENCY = 64;
  private static final int LIVE_WARMUP = 300;
  private static final int LIVE = 3_000;

  private ExchangeLoad() {}

  public static void main(String[] args) throws Exception {
    Path data = Files.createTempDirectory("allied-exchange-load-");
    try (LocalRedis redis = LocalRedis.start(data.resolve("redis"));
         LocalKeycloak keycloak = LocalKeycloak.builder().auditRedis(redis.url()).start();
         LocalPostgres postgres = LocalPostgres.start(data.resolve("kor").resolve("postgres"))) {
      Map<String, Object> properties = ExchangeServiceApplication.localProperties("KOR", data.resolve("kor"), postgres.url(), redis.url(),
          keycloak.issuer(), URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"));
      properties.put("logging.level.root", "WARN");
      try (ExchangeServiceApplication.Running kor = ExchangeServiceApplication.start(properties, null)) {
        // the client's callbacks never block, so they run on the transport thread (no hand-off per message)
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", kor.port()).usePlaintext()
            .directExecutor().maxInboundMessageSize(16 << 20).build();
        try {
          run(channel, keycloak);
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
    System.exit(0);
  }

  private static void run(ManagedChannel channel, LocalKeycloak keycloak) throws Exception {
    String publisher = token(keycloak, "kor-jcs-publisher");
    System.out.printf("machine: %d cores, %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

    publishMany(channel, publisher, "bench.warmup", PUBLISH_WARMUP);
    long start = System.nanoTime();
    publishMany(channel, publisher, "bench.search", PUBLISHED);
    double publishSeconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("publish: %,d products, %d concurrent calls, %.1f s: %,.0f products/s%n",
        PUBLISHED, CONCURRENCY, publishSeconds, PUBLISHED / publishSeconds);

    String reader = token(keycloak, "usa-dia-reader");
    for (String pass : new String[] {"first read (every binding checked)", "second read (checks remembered)"}) {
      long searchStart = System.nanoTime();
      AtomicLong streaming = new AtomicLong();
      long received = searchAll(channel, reader, "bench.search", streaming);
      double searchSeconds = (System.nanoTime() - searchStart) / 1e9;
      System.out.printf("search, %s: %,d products to one client in %.2f s: %,.0f products/s across pages; "
          + "%,.0f products/s while a page streams (first to last product of each page)%n",
          pass, received, searchSeconds, received / searchSeconds, received / (streaming.get() / 1e9));
    }

    long rawStart = System.nanoTime();
    long rawReceived = searchAllUnparsed(channel, reader, "bench.search");
    double rawSeconds = (System.nanoTime() - rawStart) / 1e9;
    System.out.printf("search, a client that keeps each product's bytes without parsing them: %,d products in %.2f s: %,.0f products/s%n",
        rawReceived, rawSeconds, rawReceived / rawSeconds);

    long[][] live = liveLatencies(channel, token(keycloak, "kor-jcs-publisher"), token(keycloak, "jpn-mod-reader"));
    long[] latencies = live[0];
    long[] acks = live[1];
    long[] afterAck = live[2];
    Arrays.sort(latencies);
    Arrays.sort(acks);
    Arrays.sort(afterAck);
    System.out.printf("live: %,d products, publish call start -> subscriber receipt: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        latencies.length, percentile(latencies, 50), percentile(latencies, 99), latencies[latencies.length - 1] / 1e6);
    System.out.printf("live: of which the publish call itself (sign, commit with fsync, acknowledge): p50 %.2f ms, p99 %.2f ms%n",
        percentile(acks, 50), percentile(acks, 99));
    System.out.printf("live: publisher's acknowledgement -> subscriber receipt (0 when the subscriber had it first): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        percentile(afterAck, 50), percentile(afterAck, 99), afterAck[afterAck.length - 1] / 1e6);
  }

  private static void publishMany(ManagedChannel channel, String token, String topic, int count) throws InterruptedException {
    ExchangeServiceGrpc.ExchangeServiceStub stub = ExchangeServiceGrpc.newStub(channel).withInterceptors(bearer(token));
    Semaphore inFlight = new Semaphore(CONCURRENCY);
    CountDownLatch done = new CountDownLatch(count);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      stub.publish(request(topic, "KOR", "군사II급비밀", "report " + i), new StreamObserver<>() {
        @Override
        public void onNext(PublishResponse value) {}

        @Override
        public void onError(Throwable t) {
          failure.compareAndSet(null, t);
          inFlight.release();
          done.countDown();
        }

        @Override
        public void onCompleted() {
          inFlight.release();
          done.countDown();
        }
      });
    }
    done.await();
    if (failure.get() != null) {
      throw new IllegalStateException("a publish failed: " + failure.get(), failure.get());
    }
  }

  /** Every page of a topic, one after another, as an asynchronous client reads them (parsing each product). */
  private static long searchAll(ManagedChannel channel, String token, String topic, AtomicLong streamingNanos) throws InterruptedException {
    ExchangeServiceGrpc.ExchangeServiceStub stub = ExchangeServiceGrpc.newStub(channel).withInterceptors(bearer(token));
    long received = 0;
    String cursor = "";
    while (true) {
      CountDownLatch done = new CountDownLatch(1);
      AtomicLong inPage = new AtomicLong();
      AtomicReference<String> last = new AtomicReference<>(cursor);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long[] firstAndLast = new long[2];
      stub.search(SearchRequest.newBuilder().setTopic(topic).setPageSize(5000).setCursor(cursor).build(), new StreamObserver<>() {
        @Override
        public void onNext(SearchResponse value) {
          long now = System.nanoTime();
          if (inPage.get() == 0) {
            firstAndLast[0] = now;
          }
          firstAndLast[1] = now;
          last.set(value.getCursor());
          if (inPage.incrementAndGet() == 5000) {
            done.countDown(); // a full page: ask for the next one now, without waiting for the trailers
          }
        }

        @Override
        public void onError(Throwable t) {
          failure.set(t);
          done.countDown();
        }

        @Override
        public void onCompleted() {
          done.countDown();
        }
      });
      done.await();
      if (failure.get() != null) {
        throw new IllegalStateException("search failed: " + failure.get(), failure.get());
      }
      received += inPage.get();
      streamingNanos.addAndGet(firstAndLast[1] - firstAndLast[0]);
      cursor = last.get();
      if (inPage.get() < 5000) {
        return received;
      }
    }
  }

  /** Every page again, received as bytes (a client that stores or forwards products rather than reading them). */
  private static long searchAllUnparsed(ManagedChannel channel, String token, String topic) throws InterruptedException {
    MethodDescriptor<SearchRequest, byte[]> method = ExchangeServiceGrpc.getSearchMethod()
        .toBuilder(ExchangeServiceGrpc.getSearchMethod().getRequestMarshaller(), new MethodDescriptor.Marshaller<byte[]>() {
          @Override
          public java.io.InputStream stream(byte[] value) {
            return new java.io.ByteArrayInputStream(value);
          }

          @Override
          public byte[] parse(java.io.InputStream stream) {
            try {
              return stream.readAllBytes();
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        }).build();
    long received = 0;
    String cursor = "";
    while (true) {
      CountDownLatch done = new CountDownLatch(1);
      AtomicLong inPage = new AtomicLong();
      AtomicReference<byte[]> last = new AtomicReference<>();
      io.grpc.ClientCall<SearchRequest, byte[]> call = io.grpc.ClientInterceptors.intercept(channel, bearer(token))
          .newCall(method, io.grpc.CallOptions.DEFAULT);
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(call, SearchRequest.newBuilder().setTopic(topic).setPageSize(5000)
          .setCursor(cursor).build(), new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
              last.set(value);
              if (inPage.incrementAndGet() == 5000) {
                done.countDown();
              }
            }

            @Override
            public void onError(Throwable t) {
              done.countDown();
            }

            @Override
            public void onCompleted() {
              done.countDown();
            }
          });
      done.await();
      received += inPage.get();
      if (inPage.get() < 5000) {
        return received;
      }
      try {
        cursor = SearchResponse.parseFrom(last.get()).getCursor();
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static long[][] liveLatencies(ManagedChannel channel, String publisherToken, String readerToken) throws Exception {
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    long[] latencies = new long[LIVE];
    long[] acks = new long[LIVE];
    Map<String, Long> ackedAt = new ConcurrentHashMap<>();
    Map<String, Long> receivedAt = new ConcurrentHashMap<>();
    AtomicLong index = new AtomicLong();
    CountDownLatch all = new CountDownLatch(LIVE_WARMUP + LIVE);
    io.grpc.Context.CancellableContext subscription = io.grpc.Context.current().withCancellation();
    subscription.run(() -> ExchangeServiceGrpc.newStub(channel).withInterceptors(bearer(readerToken))
        .subscribe(SubscribeRequest.newBuilder().setTopic("bench.live").build(), new StreamObserver<>() {
          @Override
          public void onNext(SubscribeResponse value) {
            long now = System.nanoTime();
            String body = value.getContent().getFreeText().getBody();
            receivedAt.put(body, now);
            Long sent = sentAt.remove(body);
            if (sent != null && body.startsWith("m")) {
              int i = (int) index.getAndIncrement();
              if (i < latencies.length) {
                latencies[i] = now - sent;
              }
            }
            all.countDown();
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        }));
    Thread.sleep(500);
    ExchangeServiceGrpc.ExchangeServiceBlockingStub publish = ExchangeServiceGrpc.newBlockingStub(channel).withInterceptors(bearer(publisherToken));
    for (int i = 0; i < LIVE_WARMUP + LIVE; i++) {
      String body = (i < LIVE_WARMUP ? "w" : "m") + i;
      long sent = System.nanoTime();
      sentAt.put(body, sent);
      publish.publish(request("bench.live", "KOR", "군사II급비밀", body));
      long acked = System.nanoTime();
      if (i >= LIVE_WARMUP) {
        acks[i - LIVE_WARMUP] = acked - sent;
        ackedAt.put(body, acked);
      }
      Thread.sleep(2); // a steady stream of warnings, not a flood: latency, not throughput, is measured here
    }
    if (!all.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the subscriber received " + (LIVE_WARMUP + LIVE - all.getCount()) + " of " + (LIVE_WARMUP + LIVE));
    }
    subscription.cancel(null);
    long[] afterAck = ackedAt.entrySet().stream()
        .mapToLong(e -> Math.max(0, receivedAt.getOrDefault(e.getKey(), e.getValue()) - e.getValue())).toArray();
    return new long[][] {Arrays.copyOf(latencies, (int) Math.min(index.get(), latencies.length)), acks, afterAck};
  }

  private static PublishRequest request(String topic, String nation, String marking, String body) {
    Instant now = Instant.now();
    return PublishRequest.newBuilder()
        .setLabel(SecurityLabel.newBuilder().setPolicy(nation).setMarking(marking).setOriginator(nation)
            .addReleasableTo("KOR").addReleasableTo("JPN").addReleasableTo("USA").addCommunities("MISSILE_WARNING"))
        .setContent(ProductContent.newBuilder().setTopic(topic)
            .setObservedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
            .setFreeText(FreeTextReport.newBuilder().setTitle("SRBM launch").setBody(body).setLanguage("en")))
        .build();
  }

  private static String token(LocalKeycloak keycloak, String clientId) {
    ClientCredentials.TokenResponse response = ClientCredentials.request(keycloak.tokenEndpoint(), clientId, keycloak.clientSecret(clientId));
    if (!response.granted()) {
      throw new IllegalStateException("no token for " + clientId + ": " + response.error());
    }
    return response.accessToken();
  }

  private static io.grpc.ClientInterceptor bearer(String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  private static double percentile(long[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
  }
}
