package org.alliedexchange.hotline.relay;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.hotline.v1.HotlineRelayGrpc;
import org.alliedexchange.api.hotline.v1.ProbeRequest;
import org.alliedexchange.api.hotline.v1.RelayRequest;
import org.alliedexchange.client.ClientCredentialsTokens;
import org.alliedexchange.client.TokenSource;
import org.alliedexchange.hotline.grpc.Drain;
import org.alliedexchange.hotline.node.HotlineNode;
import org.alliedexchange.label.WireMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's pull from each peer, through the gateway, as its nation's hotline system: one
 * long-lived Relay call per peer, reopened with backoff when it ends, from the positions the store
 * holds; reopened at once from the contiguous watermark when a gap stays open after the stream went
 * quiet. Probes go the same way.
 */
public final class PeerRelays implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PeerRelays.class);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  /**
   * Where relayed items go, a batch at a time: the node's input (tests put a faulty transport in
   * between).
   */
  public interface Inbox extends BiFunction<String, List<byte[]>, List<HotlineNode.Taken>> {}

  /** The most items taken in one transaction, and twice that asked of the stream ahead. */
  static final int BATCH = 128;

  private final HotlineNode node;
  private final ManagedChannel channel;
  private final CallCredentials credentials;
  private final ScheduledExecutorService scheduler;
  private final Duration gapRepairAfter;
  private final MethodDescriptor<RelayRequest, byte[]> relay;
  private final Executor callbacks;
  private final List<Puller> pullers = new ArrayList<>();
  private volatile Inbox inbox;
  private volatile boolean closed;

  /**
   * @param gateway https://host:port or http://host:port
   * @param authority the name to check the gateway's certificate against, or null
   * @param caFile the gateway certificate's authority (PEM), or null for the system's
   */
  public PeerRelays(
      HotlineNode node,
      URI gateway,
      String authority,
      Path caFile,
      TokenSource tokens,
      ScheduledExecutorService scheduler,
      Executor callbacks,
      Duration gapRepairAfter) {
    this.node = node;
    this.scheduler = scheduler;
    this.gapRepairAfter = gapRepairAfter;
    this.inbox = node::acceptRelayed;
    this.callbacks = callbacks;
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(gateway.getHost(), gateway.getPort())
            .maxInboundMessageSize(16 << 20)
            .executor(callbacks);
    if ("http".equals(gateway.getScheme())) {
      builder.usePlaintext();
    } else {
      try {
        builder.useTransportSecurity();
        if (caFile != null) {
          builder.sslContext(GrpcSslContexts.forClient().trustManager(caFile.toFile()).build());
        }
      } catch (javax.net.ssl.SSLException e) {
        throw new IllegalStateException(
            "allied.hotline.gateway.ca-file: cannot use " + caFile + ": " + e.getMessage(), e);
      }
    }
    if (authority != null && !authority.isBlank()) {
      builder.overrideAuthority(authority);
    }
    this.channel = builder.build();
    this.credentials =
        new CallCredentials() {
          @Override
          public void applyRequestMetadata(
              RequestInfo info, Executor executor, MetadataApplier applier) {
            executor.execute(
                () -> {
                  try {
                    applier.apply(AlliedMetadata.withBearer(tokens.token()));
                  } catch (TokenSource.TokenException | IllegalStateException e) {
                    applier.fail(Status.UNAUTHENTICATED.withDescription(e.getMessage()));
                  }
                });
          }
        };
    this.relay =
        HotlineRelayGrpc.getRelayMethod().toBuilder(
                HotlineRelayGrpc.getRelayMethod().getRequestMarshaller(), RelayWire.BYTES)
            .build();
    this.tokens = tokens;
  }

  private final TokenSource tokens;

  /** The node's tokens, by the client-credentials grant of its own client. */
  public static TokenSource tokens(URI tokenUri, String clientId, String clientSecret) {
    return new ClientCredentialsTokens(tokenUri, clientId, clientSecret, Clock.systemUTC());
  }

  /** Puts something between the relay and the node's input (a test's faulty transport). */
  public void inbox(Inbox inbox) {
    this.inbox = inbox;
  }

  public void start() {
    for (String peer : node.peers()) {
      Puller puller = new Puller(peer);
      pullers.add(puller);
      puller.open();
    }
  }

  /** The round trip of a probe of {@code peer}'s node, in microseconds. */
  public long probe(String peer, Duration timeout) {
    long start = System.nanoTime();
    HotlineRelayGrpc.newBlockingStub(channel)
        .withCallCredentials(credentials)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(nation(peer)))
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .probe(
            ProbeRequest.newBuilder()
                .setSentAt(WireMapping.timestamp(java.time.Instant.now()))
                .build());
    return (System.nanoTime() - start) / 1_000;
  }

  private static Metadata nation(String peer) {
    Metadata headers = new Metadata();
    headers.put(AlliedMetadata.NATION, peer);
    return headers;
  }

  /** Reopens every peer's stream from its positions now (a repaired link, a test). */
  public void reopenAll() {
    for (Puller puller : pullers) {
      puller.restart("reopened");
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Puller puller : pullers) {
      puller.cancel("the node is stopping");
    }
    channel.shutdownNow();
  }

  /** An item as it came, with the call it came on. */
  private record Arrival(ClientCall<RelayRequest, byte[]> call, byte[] item) {}

  /** The pull from one peer. */
  private final class Puller {
    final String peer;
    private final ConcurrentLinkedQueue<Arrival> arrived = new ConcurrentLinkedQueue<>();
    private final Drain taking;
    private ClientCall<RelayRequest, byte[]> call;
    private int failures;
    private volatile long lastItemNanos = System.nanoTime();
    private volatile long gapSinceNanos;
    private ScheduledFuture<?> gapCheck;

    Puller(String peer) {
      this.peer = peer;
      this.taking = new Drain(callbacks, this::take);
    }

    /** Takes what arrived, a batch per transaction, and asks the stream for as many more. */
    private void take() {
      while (!arrived.isEmpty()) {
        List<byte[]> batch = new ArrayList<>(BATCH);
        ClientCall<RelayRequest, byte[]> from = arrived.peek().call();
        while (batch.size() < BATCH && !arrived.isEmpty() && arrived.peek().call() == from) {
          batch.add(arrived.poll().item());
        }
        try {
          inbox.apply(peer, batch);
          synchronized (this) {
            failures = 0;
          }
          from.request(batch.size());
        } catch (RuntimeException e) {
          // not taken (the database or the audit stream failed): the stream is reopened from the
          // positions held, so the items come again
          log.warn("{} items from {} were not taken: {}", batch.size(), peer, e.toString());
          arrived.removeIf(arrival -> arrival.call() == from);
          from.cancel("items were not taken", e);
        }
      }
    }

    synchronized void open() {
      if (closed) {
        return;
      }
      RelayRequest request =
          RelayRequest.newBuilder().addAllPositions(node.positionsFor(peer)).build();
      io.grpc.Channel intercepted =
          io.grpc.ClientInterceptors.intercept(
              channel, MetadataUtils.newAttachHeadersInterceptor(nation(peer)));
      call = intercepted.newCall(relay, CallOptions.DEFAULT.withCallCredentials(credentials));
      ClientCall<RelayRequest, byte[]> current = call;
      ClientCalls.asyncServerStreamingCall(
          current,
          request,
          new ClientResponseObserver<RelayRequest, byte[]>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<RelayRequest> stream) {
              // items are asked for as they are taken: a slow database slows the peer's stream
              stream.disableAutoRequestWithInitial(2 * BATCH);
            }

            @Override
            public void onNext(byte[] item) {
              lastItemNanos = System.nanoTime();
              arrived.add(new Arrival(current, item));
              taking.signal();
            }

            @Override
            public void onError(Throwable error) {
              ended(current, Status.fromThrowable(error));
            }

            @Override
            public void onCompleted() {
              ended(current, Status.OK);
            }
          });
      if (gapCheck == null) {
        long every = Math.max(50, gapRepairAfter.toMillis() / 4);
        gapCheck =
            scheduler.scheduleWithFixedDelay(this::checkGap, every, every, TimeUnit.MILLISECONDS);
      }
    }

    private void ended(ClientCall<RelayRequest, byte[]> ended, Status status) {
      long delay;
      synchronized (this) {
        if (closed || ended != call) {
          return;
        }
        failures++;
        delay =
            Math.min(
                MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 10));
      }
      if (status.getCode() == Status.Code.UNAUTHENTICATED) {
        tokens.refresh();
      }
      log.info(
          "relay from {} ended ({} {}); reopening in {} ms",
          peer,
          status.getCode(),
          status.getDescription(),
          delay);
      scheduler.schedule(this::open, delay, TimeUnit.MILLISECONDS);
    }

    /** A gap open since the stream went quiet is repaired by reopening from the watermark. */
    private void checkGap() {
      if (closed) {
        return;
      }
      long now = System.nanoTime();
      if (!node.hasGap(peer)) {
        gapSinceNanos = 0;
        return;
      }
      if (gapSinceNanos == 0) {
        gapSinceNanos = now;
        return;
      }
      long quiet = gapRepairAfter.toNanos();
      if (now - gapSinceNanos > quiet && now - lastItemNanos > quiet) {
        gapSinceNanos = 0;
        restart("a gap stayed open after the stream went quiet");
      }
    }

    void restart(String why) {
      ClientCall<RelayRequest, byte[]> old;
      synchronized (this) {
        old = call;
        call = null;
      }
      log.info("relay from {}: {}; reopening from the positions held", peer, why);
      if (old != null) {
        old.cancel(why, null);
      }
      open();
    }

    synchronized void cancel(String why) {
      if (gapCheck != null) {
        gapCheck.cancel(false);
      }
      if (call != null) {
        call.cancel(why, null);
      }
    }
  }
}
