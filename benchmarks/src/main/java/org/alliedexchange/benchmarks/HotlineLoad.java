package org.alliedexchange.benchmarks;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.ReceiptState;
import org.alliedexchange.api.hotline.v1.SendRequest;
import org.alliedexchange.api.hotline.v1.WatchRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.client.PersonLogin;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.gateway.GatewayApplication;
import org.alliedexchange.hotline.HotlineServiceApplication;
import org.alliedexchange.label.NationalKey;

/**
 * The hotline's figures (issue 16), from one run against real servers on this machine: Redis,
 * PostgreSQL (a database per node), Keycloak with the realm's people, one gateway and three hotline
 * nodes relaying to each other only through it.
 *
 * <ol>
 *   <li>A FLASH from KOR's principal to the trilateral conference, from the Send call's start to
 *       its arrival on an open Watch session of JPN's and of the USA's watch officer (DELIVERED),
 *       and to KOR's watch officer seeing both parties' DELIVERED receipts.
 *   <li>JPN's node stopped, 10,000 ROUTINE messages and then one FLASH sent to the KOR-JPN
 *       conference, JPN's node started again: where the FLASH came among them at JPN, how long JPN
 *       took from its return to hold all 10,001, and how many were lost or shown twice.
 * </ol>
 *
 * <pre>
 * ./mvnw -q -B -pl benchmarks -am install -DskipTests && ./mvnw -q -B -pl benchmarks exec:exec@hotline-load
 * </pre>
 *
 * <p>{@code -Dflashes=N} (default 1,000) and {@code -Dbacklog=N} (default 10,000).
 */
public final class HotlineLoad {

  private static final String TRILATERAL = "JPN-KOR-USA";
  private static final String BILATERAL = "JPN-KOR";
  private static final List<String> NATIONS = List.of("KOR", "JPN", "USA");

  private static Path dir;
  private static LocalRedis redis;
  private static LocalPostgres postgres;
  private static LocalKeycloak keycloak;
  private static GatewayApplication.Running gateway;
  private static final Map<String, Integer> ports = new HashMap<>();
  private static final Map<String, HotlineServiceApplication.Running> nodes =
      new ConcurrentHashMap<>();
  private static final Map<String, String> tokens = new ConcurrentHashMap<>();
  private static ManagedChannel channel;

  private HotlineLoad() {}

  public static void main(String[] args) throws Exception {
    int flashes = Integer.getInteger("flashes", 1_000);
    int backlog = Integer.getInteger("backlog", 10_000);
    // the JIT compiles the gateway's and three nodes' paths for 30 to 60 s on these two cores; a
    // shorter warm-up measures the compiler (a C2 thread at half a core) as much as the hotline
    int warmup = Integer.getInteger("warmup", 1_500);
    // a first, smaller cut-off and return: the catch-up's own paths (large relay batches, a Watch
    // from cursor 0) are compiled there, as a gateway and peers that have run for days have them;
    // its figure is printed too (0 skips it)
    int backlogWarmup = Integer.getInteger("backlogWarmup", 2_000);
    try {
      start();
      flashLatency(warmup, false);
      flashLatency(flashes, true);
      if (backlogWarmup > 0) {
        System.out.println("warm-up round of the backlog scene:");
        backlog(backlogWarmup);
        System.out.println("measured round:");
      }
      backlog(backlog);
    } finally {
      stop();
    }
    System.exit(0);
  }

  // ----- 1. FLASH to DELIVERED

  private static void flashLatency(int count, boolean report) throws Exception {
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    Map<String, long[]> deliveredAt = new ConcurrentHashMap<>();
    Map<String, long[]> receiptsAt = new ConcurrentHashMap<>();
    CountDownLatch delivered = new CountDownLatch(count * 2);
    CountDownLatch receipts = new CountDownLatch(count * 2);
    String tag = "flash-" + System.nanoTime() + "-";
    Watch jpn =
        watch(
            "jpn-watch-officer",
            "JPN",
            TRILATERAL,
            event -> arrival(event, tag, 0, deliveredAt, delivered, count));
    Watch usa =
        watch(
            "usa-watch-officer",
            "USA",
            TRILATERAL,
            event -> arrival(event, tag, 1, deliveredAt, delivered, count));
    Map<String, String> idToText = new ConcurrentHashMap<>();
    Watch kor =
        watch(
            "kor-watch-officer",
            "KOR",
            TRILATERAL,
            event -> {
              if (event.hasReceipt()
                  && event.getReceipt().getState() == ReceiptState.RECEIPT_STATE_DELIVERED) {
                // by id: a receipt can come back before this thread has read Send's answer
                String id = event.getReceipt().getMessageId();
                long[] at = receiptsAt.computeIfAbsent(id, k -> new long[2]);
                int party = event.getReceipt().getParty().equals("JPN") ? 0 : 1;
                synchronized (at) {
                  if (at[party] == 0) {
                    at[party] = System.nanoTime();
                    receipts.countDown();
                  }
                }
              }
            });
    Thread.sleep(500);
    HotlineServiceGrpc.HotlineServiceBlockingStub principal = stub("kor-principal", "KOR");
    long interval = TimeUnit.SECONDS.toNanos(1) / 50;
    long next = System.nanoTime();
    for (int i = 0; i < count; i++) {
      String text = tag + i;
      long start = System.nanoTime();
      sentAt.put(text, start);
      String id =
          principal
              .send(request(TRILATERAL, Precedence.PRECEDENCE_FLASH, text, "flash-" + text))
              .getMessage()
              .getId();
      idToText.put(id, text);
      next += interval;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
    }
    boolean all = delivered.await(60, TimeUnit.SECONDS);
    boolean allReceipts = receipts.await(60, TimeUnit.SECONDS);
    jpn.close();
    usa.close();
    kor.close();
    if (!report) {
      return;
    }
    Map<String, String> textToId = new HashMap<>();
    idToText.forEach((id, text) -> textToId.put(text, id));
    List<Long> perParty = new ArrayList<>();
    List<Long> everyParty = new ArrayList<>();
    List<Long> senderSees = new ArrayList<>();
    for (Map.Entry<String, Long> sent : sentAt.entrySet()) {
      long[] at = deliveredAt.get(sent.getKey());
      if (at != null && at[0] != 0 && at[1] != 0) {
        perParty.add(at[0] - sent.getValue());
        perParty.add(at[1] - sent.getValue());
        everyParty.add(Math.max(at[0], at[1]) - sent.getValue());
      }
      long[] seen = receiptsAt.get(textToId.getOrDefault(sent.getKey(), ""));
      if (seen != null && seen[0] != 0 && seen[1] != 0) {
        senderSees.add(Math.max(seen[0], seen[1]) - sent.getValue());
      }
    }
    System.out.printf(
        "FLASH send -> on JPN's and USA's watch officers' sessions (DELIVERED), %d sent at 50/s:%n",
        count);
    System.out.println("  each party:        " + percentiles(perParty));
    System.out.println(
        "  every party:       " + percentiles(everyParty) + (all ? "" : " (MISSING)"));
    System.out.println(
        "  sender sees both DELIVERED receipts: "
            + percentiles(senderSees)
            + (allReceipts ? "" : " (MISSING)"));
  }

  private static void arrival(
      WatchResponse event,
      String tag,
      int party,
      Map<String, long[]> at,
      CountDownLatch latch,
      int count) {
    if (!event.hasMessage() || !event.getMessage().getText().startsWith(tag)) {
      return;
    }
    long[] times = at.computeIfAbsent(event.getMessage().getText(), k -> new long[2]);
    synchronized (times) {
      if (times[party] == 0) {
        times[party] = System.nanoTime();
        latch.countDown();
      }
    }
  }

  // ----- 2. A FLASH behind 10,000 ROUTINE, to a node cut off

  private static void backlog(int count) throws Exception {
    nodes.remove("JPN").close();
    String tag = "backlog-" + System.nanoTime() + "-";
    ExecutorService senders = Executors.newFixedThreadPool(16);
    AtomicInteger failed = new AtomicInteger();
    Map<String, AtomicInteger> refusals = new ConcurrentHashMap<>();
    long sendStart = System.nanoTime();
    HotlineServiceGrpc.HotlineServiceBlockingStub officer = stub("kor-watch-officer", "KOR");
    for (int i = 0; i < count; i++) {
      String text = tag + i;
      senders.execute(
          () -> {
            try {
              sendWithinRateLimit(
                  officer, request(BILATERAL, Precedence.PRECEDENCE_ROUTINE, text, text));
            } catch (RuntimeException e) {
              failed.incrementAndGet();
              // a refused send is not lost (its sender was told), but the run must say why
              String why =
                  e instanceof io.grpc.StatusRuntimeException refused
                      ? refused.getStatus().getCode() + ": " + refused.getStatus().getDescription()
                      : e.toString();
              refusals
                  .computeIfAbsent(
                      why.length() > 160 ? why.substring(0, 160) : why, k -> new AtomicInteger())
                  .incrementAndGet();
            }
          });
    }
    senders.shutdown();
    senders.awaitTermination(10, TimeUnit.MINUTES);
    double sendSeconds = (System.nanoTime() - sendStart) / 1e9;
    String flashText = tag + "FLASH";
    stub("kor-principal", "KOR")
        .send(request(BILATERAL, Precedence.PRECEDENCE_FLASH, flashText, flashText));

    List<String> order = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    AtomicInteger duplicates = new AtomicInteger();
    AtomicInteger delayed = new AtomicInteger();
    int accepted = count - failed.get();
    CountDownLatch all = new CountDownLatch(accepted + 1);
    // the watch officer reconnects from where the last round left off (cursor 0 the first time)
    String watchedUpTo = lastCursor.get();
    long returnStart = System.nanoTime();
    startNode("JPN");
    long returned = System.nanoTime();
    java.time.Instant returnedAt = java.time.Instant.now();
    Watch jpn =
        watch(
            "jpn-watch-officer",
            "JPN",
            BILATERAL,
            watchedUpTo,
            event -> {
              if (!event.getCursor().isEmpty()) {
                lastCursor.set(event.getCursor());
              }
              if (!event.hasMessage() || !event.getMessage().getText().startsWith(tag)) {
                return;
              }
              synchronized (order) {
                if (!seen.add(event.getMessage().getText())) {
                  duplicates.incrementAndGet();
                  return;
                }
                order.add(event.getMessage().getText());
                if (event.getMessage().getDelayed()) {
                  delayed.incrementAndGet();
                }
              }
              all.countDown();
            });
    boolean complete = all.await(120, TimeUnit.SECONDS);
    long caughtUp = System.nanoTime();
    // wall-clock, to find the catch-up in a profile (JFR) of the run
    System.out.printf("  (the catch-up ran from %s to %s)%n", returnedAt, java.time.Instant.now());
    jpn.close();
    int flashPosition;
    int outOfOrder = 0;
    synchronized (order) {
      flashPosition = order.indexOf(flashText);
      int last = -1;
      for (String text : order) {
        if (text.equals(flashText)) {
          continue;
        }
        int n = Integer.parseInt(text.substring(tag.length()));
        if (n < last) {
          outOfOrder++;
        }
        last = Math.max(last, n);
      }
    }
    System.out.printf(
        "%d ROUTINE sent to %s while JPN's node was down (%.1f s, %.0f/s, %d refused, %d retried"
            + " after the gateway's rate limit), then one FLASH%n",
        count, BILATERAL, sendSeconds, count / sendSeconds, failed.get(), RATE_LIMITED.get());
    System.out.printf(
        "  JPN's node restarted in %.1f s; from its return to all %d on JPN's watch officer's"
            + " session: %.2f s%s%n",
        (returned - returnStart) / 1e9,
        accepted + 1,
        (caughtUp - returned) / 1e9,
        complete ? "" : " (INCOMPLETE: " + (accepted + 1 - all.getCount()) + " arrived)");
    refusals.forEach((why, n) -> System.out.printf("  refused at send: %d x %s%n", n.get(), why));
    System.out.printf(
        "  the FLASH arrived %s; lost %d, shown twice %d, marked delayed %d of %d"
            + " (ROUTINE out of sending order: %d, sends ran 16 at once)%n",
        flashPosition == 0 ? "first, before every ROUTINE" : "after " + flashPosition + " ROUTINE",
        accepted + 1 - seen.size(),
        duplicates.get(),
        delayed.get(),
        seen.size(),
        outOfOrder);
  }

  /**
   * Sends as a well-behaved national system does: a RESOURCE_EXHAUSTED (the gateway's per-caller
   * limit, 500 calls a second) is retried the next second, with the same idempotency key.
   */
  private static void sendWithinRateLimit(
      HotlineServiceGrpc.HotlineServiceBlockingStub stub, SendRequest request) {
    for (int attempt = 1; ; attempt++) {
      try {
        stub.send(request);
        return;
      } catch (io.grpc.StatusRuntimeException e) {
        if (e.getStatus().getCode() != io.grpc.Status.Code.RESOURCE_EXHAUSTED || attempt == 10) {
          throw e;
        }
        RATE_LIMITED.incrementAndGet();
        try {
          Thread.sleep(1_000 - System.currentTimeMillis() % 1_000 + 5);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private static final AtomicInteger RATE_LIMITED = new AtomicInteger();
  private static final java.util.concurrent.atomic.AtomicReference<String> lastCursor =
      new java.util.concurrent.atomic.AtomicReference<>("0");

  // ----- the servers, as HotlineNodesIT starts them

  private static void start() throws Exception {
    dir = Files.createTempDirectory("allied-hotline-load-");
    redis = LocalRedis.start(dir.resolve("redis"));
    postgres = LocalPostgres.start(dir.resolve("postgres"));
    try (Connection admin = DriverManager.getConnection(postgres.url());
        Statement statement = admin.createStatement()) {
      for (String nation : NATIONS) {
        statement.execute("CREATE DATABASE hotline_" + nation.toLowerCase());
      }
    }
    keycloak =
        LocalKeycloak.builder()
            .auditRedis(redis.url(LocalRedis.User.IDENTITY_LISTENER))
            .dataDir(dir.resolve("keycloak"))
            .start();
    URI jwks = URI.create(keycloak.issuer() + "/protocol/openid-connect/certs");
    Map<String, Object> gatewayProperties =
        GatewayApplication.localProperties(
            0, keycloak.issuer(), jwks, redis.url(LocalRedis.User.GATEWAY));
    gatewayProperties.put("logging.level.root", "WARN");
    for (String nation : NATIONS) {
      ports.put(nation, freePort());
      Path key = dir.resolve(nation.toLowerCase()).resolve("signing-key.pem");
      Files.createDirectories(key.getParent());
      Path publicKey = NationalKey.loadOrCreate(key).writePublicKeyBeside(key);
      URI node = URI.create("http://127.0.0.1:" + ports.get(nation));
      GatewayApplication.addNation(gatewayProperties, nation, node, publicKey);
      gatewayProperties.put(
          "allied.gateway.nations." + nation + ".hotline-addresses[0]", node.toString());
    }
    gateway = GatewayApplication.start(gatewayProperties);
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.port())
            .usePlaintext()
            .directExecutor()
            .build();
    for (String nation : NATIONS) {
      startNode(nation);
    }
    for (String user :
        List.of("kor-principal", "kor-watch-officer", "jpn-watch-officer", "usa-watch-officer")) {
      tokens.put(
          user,
          PersonLogin.login(
              keycloak.issuer(),
              "allied-console",
              URI.create("http://127.0.0.1:8080/hotline"),
              user,
              keycloak.password(user)));
    }
  }

  private static void startNode(String nation) {
    String lower = nation.toLowerCase();
    Path data = dir.resolve(lower);
    Map<String, Object> properties =
        HotlineServiceApplication.localProperties(
            nation,
            data,
            postgres.url().replace("/" + LocalPostgres.DATABASE + "?", "/hotline_" + lower + "?"),
            redis.url(LocalRedis.User.HOTLINE, nation),
            keycloak.issuer(),
            URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"));
    properties.put("logging.level.root", "WARN");
    properties.put("allied.hotline.port", Integer.toString(ports.get(nation)));
    // the gateway reaches the nodes over h2c here, as in HotlineNodesIT (TLS is the gateway's)
    properties.put("allied.hotline.tls.insecure-plaintext", "true");
    properties.put("allied.hotline.signing-key-file", data.resolve("signing-key.pem").toString());
    properties.put("allied.hotline.gateway.address", "http://127.0.0.1:" + gateway.port());
    properties.put("allied.hotline.relay-client.token-uri", keycloak.tokenEndpoint().toString());
    properties.put("allied.hotline.relay-client.client-id", lower + "-hotline");
    properties.put(
        "allied.hotline.relay-client.client-secret", keycloak.clientSecret(lower + "-hotline"));
    for (String peer : NATIONS) {
      if (!peer.equals(nation)) {
        // as deployed: each node verifies its peers' signed chain heads
        properties.put(
            "allied.hotline.peer-keys." + peer,
            dir.resolve(peer.toLowerCase()).resolve("signing-key.pub.pem").toString());
      }
    }
    // the watch officers here do not acknowledge the thousands of FLASH sent; their alarms (due
    // 2 min after each) would land in the backlog scene, which measures catching up, not alarms
    properties.put("allied.hotline.ack-within.flash", "1h");
    nodes.put(nation, HotlineServiceApplication.start(properties, null));
  }

  private static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    nodes.values().forEach(HotlineServiceApplication.Running::close);
    for (AutoCloseable server : new AutoCloseable[] {gateway, keycloak, postgres, redis}) {
      if (server != null) {
        server.close();
      }
    }
  }

  // ----- calls

  private static SendRequest request(
      String conference, Precedence precedence, String text, String idempotencyKey) {
    return SendRequest.newBuilder()
        .setLabel(
            SecurityLabel.newBuilder()
                .setPolicy("KOR")
                .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
                .setMarking("군사II급비밀")
                .setOriginator("KOR")
                .addAllReleasableTo(
                    conference.equals(TRILATERAL)
                        ? List.of("JPN", "KOR", "USA")
                        : List.of("JPN", "KOR"))
                .setCreatedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond())))
        .setConference(conference)
        .setPrecedence(precedence)
        .setType(MessageType.MESSAGE_TYPE_EXERCISE)
        .setText(text)
        .setIdempotencyKey(
            idempotencyKey.length() > 128 ? idempotencyKey.substring(0, 128) : idempotencyKey)
        .build();
  }

  private static Metadata headers(String user, String nation) {
    Metadata headers = new Metadata();
    headers.put(AlliedMetadata.NATION, nation);
    headers.merge(AlliedMetadata.withBearer(tokens.get(user)));
    return headers;
  }

  private static HotlineServiceGrpc.HotlineServiceBlockingStub stub(String user, String nation) {
    return HotlineServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(user, nation)));
  }

  private interface Events {
    void on(WatchResponse event);
  }

  private static Watch watch(String user, String nation, String conference, Events events) {
    return watch(user, nation, conference, "", events);
  }

  private static Watch watch(
      String user, String nation, String conference, String from, Events events) {
    Watch watch = new Watch(events);
    HotlineServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(user, nation)))
        .watch(
            WatchRequest.newBuilder().setConference(conference).setFromCursor(from).build(), watch);
    return watch;
  }

  private static final class Watch implements ClientResponseObserver<WatchRequest, WatchResponse> {
    private final Events events;
    private ClientCallStreamObserver<WatchRequest> call;

    Watch(Events events) {
      this.events = events;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> call) {
      this.call = call;
    }

    @Override
    public void onNext(WatchResponse value) {
      events.on(value);
    }

    @Override
    public void onError(Throwable t) {
      if (!(t instanceof io.grpc.StatusRuntimeException e
          && e.getStatus().getCode() == io.grpc.Status.Code.CANCELLED)) {
        System.err.println("watch ended: " + t);
      }
    }

    @Override
    public void onCompleted() {}

    void close() {
      call.cancel("done", null);
    }
  }

  private static String percentiles(List<Long> nanos) {
    if (nanos.isEmpty()) {
      return "no samples";
    }
    long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    return String.format(
        "n=%d p50 %.1f ms, p99 %.1f ms, max %.1f ms",
        sorted.length,
        at(sorted, 0.50) / 1e6,
        at(sorted, 0.99) / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  private static long at(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)];
  }

  private static int freePort() throws Exception {
    return org.alliedexchange.devservers.LoopbackPorts.free();
  }
}
