package org.alliedexchange.benchmarks;

import static org.alliedexchange.benchmarks.ExchangeLoad.CONCURRENCY;

import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.api.AlliedMetadata;
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
import org.alliedexchange.label.WireMapping;

/**
 * The exchange load run's driver: concurrent publishes, paged searches (parsed and as bytes), and
 * live products timed to a subscriber.
 */
final class ExchangeLoadDriver {

  private static final int LIVE_WARMUP = 300;
  private static final int LIVE = 3_000;

  private ExchangeLoadDriver() {}

  static void publishMany(ManagedChannel channel, String token, String topic, int count)
      throws InterruptedException {
    publishMany(channel, token, topic, count, "KOR", "JPN", "USA");
  }

  /** Publishes {@code count} KOR products releasable to these nations only. */
  static void publishMany(
      ManagedChannel channel, String token, String topic, int count, String... releasableTo)
      throws InterruptedException {
    ExchangeServiceGrpc.ExchangeServiceStub stub =
        ExchangeServiceGrpc.newStub(channel).withInterceptors(bearer(token));
    Semaphore inFlight = new Semaphore(CONCURRENCY);
    CountDownLatch done = new CountDownLatch(count);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      stub.publish(
          request(topic, "KOR", "군사II급비밀", "report " + i, releasableTo),
          new StreamObserver<>() {
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

  /**
   * Every page of a topic, one after another, as an asynchronous client reads them (parsing each
   * product).
   */
  /**
   * One search page over a topic whose every row is withheld from the caller: the page reads past
   * them all, audits them in summaries, and ends empty; returns how long it took, in nanoseconds.
   */
  static long searchPastWithheld(ManagedChannel channel, String token, String topic) {
    long start = System.nanoTime();
    var found =
        ExchangeServiceGrpc.newBlockingStub(channel)
            .withInterceptors(bearer(token))
            .search(SearchRequest.newBuilder().setTopic(topic).setPageSize(100).build());
    long received = 0;
    while (found.hasNext()) {
      found.next();
      received++;
    }
    if (received != 0) {
      throw new IllegalStateException(received + " withheld products were released");
    }
    return System.nanoTime() - start;
  }

  static long searchAll(
      ManagedChannel channel, String token, String topic, AtomicLong streamingNanos)
      throws InterruptedException {
    ExchangeServiceGrpc.ExchangeServiceStub stub =
        ExchangeServiceGrpc.newStub(channel).withInterceptors(bearer(token));
    long received = 0;
    String cursor = "";
    while (true) {
      CountDownLatch done = new CountDownLatch(1);
      AtomicLong inPage = new AtomicLong();
      AtomicReference<String> last = new AtomicReference<>(cursor);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long[] firstAndLast = new long[2];
      stub.search(
          SearchRequest.newBuilder().setTopic(topic).setPageSize(5000).setCursor(cursor).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(SearchResponse value) {
              long now = System.nanoTime();
              if (inPage.get() == 0) {
                firstAndLast[0] = now;
              }
              firstAndLast[1] = now;
              last.set(value.getCursor());
              if (inPage.incrementAndGet() == 5000) {
                done.countDown(); // a full page: ask for the next one now, without waiting for the
                // trailers
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

  /**
   * Every page again, received as bytes (a client that stores or forwards products rather than
   * reading them).
   */
  static long searchAllUnparsed(ManagedChannel channel, String token, String topic)
      throws InterruptedException {
    MethodDescriptor<SearchRequest, byte[]> method =
        ExchangeServiceGrpc.getSearchMethod().toBuilder(
                ExchangeServiceGrpc.getSearchMethod().getRequestMarshaller(),
                new MethodDescriptor.Marshaller<byte[]>() {
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
                })
            .build();
    long received = 0;
    String cursor = "";
    while (true) {
      CountDownLatch done = new CountDownLatch(1);
      AtomicLong inPage = new AtomicLong();
      AtomicReference<byte[]> last = new AtomicReference<>();
      io.grpc.ClientCall<SearchRequest, byte[]> call =
          io.grpc.ClientInterceptors.intercept(channel, bearer(token))
              .newCall(method, io.grpc.CallOptions.DEFAULT);
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          call,
          SearchRequest.newBuilder().setTopic(topic).setPageSize(5000).setCursor(cursor).build(),
          new StreamObserver<>() {
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

  static long[][] liveLatencies(ManagedChannel channel, String publisherToken, String readerToken)
      throws Exception {
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    long[] latencies = new long[LIVE];
    long[] acks = new long[LIVE];
    Map<String, Long> ackedAt = new ConcurrentHashMap<>();
    Map<String, Long> receivedAt = new ConcurrentHashMap<>();
    AtomicLong index = new AtomicLong();
    CountDownLatch all = new CountDownLatch(LIVE_WARMUP + LIVE);
    io.grpc.Context.CancellableContext subscription = io.grpc.Context.current().withCancellation();
    subscription.run(
        () ->
            ExchangeServiceGrpc.newStub(channel)
                .withInterceptors(bearer(readerToken))
                .subscribe(
                    SubscribeRequest.newBuilder().setTopic("bench.live").build(),
                    new StreamObserver<>() {
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
    ExchangeServiceGrpc.ExchangeServiceBlockingStub publish =
        ExchangeServiceGrpc.newBlockingStub(channel).withInterceptors(bearer(publisherToken));
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
      Thread.sleep(
          2); // a steady stream of warnings, not a flood: latency, not throughput, is measured here
    }
    if (!all.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          "the subscriber received "
              + (LIVE_WARMUP + LIVE - all.getCount())
              + " of "
              + (LIVE_WARMUP + LIVE));
    }
    subscription.cancel(null);
    long[] afterAck =
        ackedAt.entrySet().stream()
            .mapToLong(
                e -> Math.max(0, receivedAt.getOrDefault(e.getKey(), e.getValue()) - e.getValue()))
            .toArray();
    return new long[][] {
      Arrays.copyOf(latencies, (int) Math.min(index.get(), latencies.length)), acks, afterAck
    };
  }

  private static PublishRequest request(String topic, String nation, String marking, String body) {
    return request(topic, nation, marking, body, "KOR", "JPN", "USA");
  }

  static PublishRequest request(
      String topic, String nation, String marking, String body, String... releasableTo) {
    Instant now = Instant.now();
    return PublishRequest.newBuilder()
        .setLabel(
            SecurityLabel.newBuilder()
                .setPolicy(nation)
                .setMarking(marking)
                .setOriginator(nation)
                .addAllReleasableTo(java.util.List.of(releasableTo))
                .addCommunities("MISSILE_WARNING"))
        .setContent(
            ProductContent.newBuilder()
                .setTopic(topic)
                .setObservedAt(WireMapping.timestamp(now))
                .setFreeText(
                    FreeTextReport.newBuilder()
                        .setTitle("SRBM launch")
                        .setBody(body)
                        .setLanguage("en")))
        .build();
  }

  private static io.grpc.ClientInterceptor bearer(String token) {
    return MetadataUtils.newAttachHeadersInterceptor(AlliedMetadata.withBearer(token));
  }
}
