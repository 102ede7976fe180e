package org.alliedexchange.hotline.grpc;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.AccessTable;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.HotlineRelayGrpc;
import org.alliedexchange.api.hotline.v1.ProbeRequest;
import org.alliedexchange.api.hotline.v1.ProbeResponse;
import org.alliedexchange.api.hotline.v1.RelayPosition;
import org.alliedexchange.api.hotline.v1.RelayRequest;
import org.alliedexchange.hotline.domain.RelayQueue;
import org.alliedexchange.hotline.node.HotlineNode;
import org.alliedexchange.hotline.relay.RelayWire;
import org.alliedexchange.hotline.store.HotlineStore;
import org.alliedexchange.hotline.store.StoredItem;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HotlineRelay: what a peer node pulls from this one, through the gateway, as its nation's hotline
 * system. This node's own items of the conferences both nations share, after the positions the peer
 * gives: the stored ones first, then live ones, always highest precedence first (a queue per peer,
 * drained only while the stream is ready, so a FLASH overtakes everything queued behind it).
 */
public final class RelayService {

  private static final Logger log = LoggerFactory.getLogger(RelayService.class);
  private static final int BATCH = 32;

  private final HotlineNode node;
  private final Executor streams;
  private final java.time.Clock clock;
  private final Map<String, PeerStanding> standings = new ConcurrentHashMap<>();
  private final Set<Outbox> open = ConcurrentHashMap.newKeySet();

  public RelayService(HotlineNode node, Executor streams, java.time.Clock clock) {
    this.node = node;
    this.streams = streams;
    this.clock = clock;
    node.backlogCounter(this::backlogFor);
  }

  /** What a peer said it holds at its last request, and what was sent it since. */
  private static final class PeerStanding {
    final Map<String, Long> contiguous = new ConcurrentHashMap<>();
    final AtomicLong sentSince = new AtomicLong();
  }

  /** How many of this node's items a peer has not yet taken, as far as this node can tell. */
  public long backlogFor(String peer) {
    PeerStanding standing = standings.get(peer);
    long waiting = 0;
    for (Conference conference : node.conferences()) {
      if (conference.getNationsList().contains(peer)) {
        long last = node.store().lastOwnSequence(conference.getId());
        long held = standing == null ? 0 : standing.contiguous.getOrDefault(conference.getId(), 0L);
        waiting += Math.max(0, last - held);
      }
    }
    return Math.max(0, waiting - (standing == null ? 0 : standing.sentSince.get()));
  }

  /** Ends every open relay stream, so the server stops without waiting for them. */
  public void endStreams() {
    for (Outbox outbox : open) {
      outbox.ending = true;
      outbox.drain.signal();
    }
  }

  /** The service, its Relay answering with the stored bytes as signed. */
  public ServerServiceDefinition serviceDefinition() {
    BindableService generated =
        new HotlineRelayGrpc.HotlineRelayImplBase() {
          @Override
          public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
            RelayService.this.probe(response);
          }
        };
    MethodDescriptor<RelayRequest, byte[]> raw =
        HotlineRelayGrpc.getRelayMethod().toBuilder(
                HotlineRelayGrpc.getRelayMethod().getRequestMarshaller(), RelayWire.BYTES)
            .build();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(HotlineRelayGrpc.SERVICE_NAME)
            .setSchemaDescriptor(HotlineRelayGrpc.getServiceDescriptor().getSchemaDescriptor())
            .addMethod(raw);
    ServerServiceDefinition.Builder definition = null;
    for (MethodDescriptor<?, ?> method : HotlineRelayGrpc.getServiceDescriptor().getMethods()) {
      if (!method.getFullMethodName().equals(raw.getFullMethodName())) {
        descriptor.addMethod(method);
      }
    }
    definition = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> method : generated.bindService().getMethods()) {
      if (!method.getMethodDescriptor().getFullMethodName().equals(raw.getFullMethodName())) {
        definition.addMethod(method);
      }
    }
    definition.addMethod(raw, ServerCalls.asyncServerStreamingCall(this::relay));
    return definition.build();
  }

  private Caller peer(String method) {
    Caller caller = AuthenticationInterceptor.caller();
    String role = AccessTable.HOTLINE_RELAY.method(method).role();
    if (!caller.hasRole(role)) {
      throw Status.PERMISSION_DENIED
          .withDescription("the relay is for hotline nodes (role " + role + ")")
          .asRuntimeException();
    }
    if (caller.nation() == null || caller.nation().equals(node.nation())) {
      throw Status.PERMISSION_DENIED
          .withDescription("a node pulls from its peers, never from its own nation's node")
          .asRuntimeException();
    }
    return caller;
  }

  void probe(StreamObserver<ProbeResponse> response) {
    try {
      Caller caller = peer("Probe");
      response.onNext(
          ProbeResponse.newBuilder()
              .setLabel(node.nodeLabel(List.of(caller.nation())))
              .setAnsweredAt(WireMapping.timestamp(clock.instant()))
              .setNation(node.nation())
              .build());
      response.onCompleted();
    } catch (StatusRuntimeException e) {
      response.onError(e);
    }
  }

  void relay(RelayRequest request, StreamObserver<byte[]> response) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) response;
    try {
      Caller caller = peer("Relay");
      String peer = caller.nation();
      Map<String, RelayPosition> positions = new HashMap<>();
      for (RelayPosition position : request.getPositionsList()) {
        Conference conference =
            node.book()
                .find(position.getConference())
                .filter(c -> c.getNationsList().contains(node.nation()))
                .orElse(null);
        if (conference == null || !conference.getNationsList().contains(peer)) {
          throw Status.PERMISSION_DENIED
              .withDescription(
                  peer
                      + " is not a member nation of conference "
                      + HotlineGrpcService.quoted(position.getConference())
                      + " on this node")
              .asRuntimeException();
        }
        if (position.getAlsoHeldCount() > 4096
            || positions.put(conference.getId(), position) != null) {
          throw Status.INVALID_ARGUMENT
              .withDescription("a conference named twice, or more than 4,096 also_held")
              .asRuntimeException();
        }
      }
      PeerStanding standing = new PeerStanding();
      standings.put(peer, standing);
      Outbox outbox = new Outbox(peer, call, standing);
      for (Conference conference : node.conferences()) {
        if (conference.getNationsList().contains(peer)) {
          RelayPosition position =
              positions.getOrDefault(
                  conference.getId(),
                  RelayPosition.newBuilder().setConference(conference.getId()).build());
          standing.contiguous.put(conference.getId(), position.getContiguousThrough());
          outbox.conferences.put(conference.getId(), position);
        }
      }
      // listening before the stored items are read, so nothing falls between
      node.addOwnItemListener(outbox);
      open.add(outbox);
      call.setOnCancelHandler(
          () -> {
            node.removeOwnItemListener(outbox);
            open.remove(outbox);
          });
      call.setOnReadyHandler(outbox.drain::signal);
      for (RelayPosition position : outbox.conferences.values()) {
        Set<Long> alsoHeld = new HashSet<>(position.getAlsoHeldList());
        for (RelayQueue.Key key :
            node.ownKeysAfter(position.getConference(), position.getContiguousThrough())) {
          if (!alsoHeld.contains(key.sequence())) {
            outbox.queue.offer(key);
          }
        }
      }
      log.info("relay to {} opened: {} items waiting", peer, outbox.queue.size());
      outbox.drain.signal();
    } catch (StatusRuntimeException e) {
      call.onError(e);
    } catch (HotlineStore.StoreException e) {
      call.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  /** The items waiting for one peer's open stream. */
  private final class Outbox implements HotlineNode.OwnItemListener {
    final String peer;
    final ServerCallStreamObserver<byte[]> call;
    final PeerStanding standing;
    final Map<String, RelayPosition> conferences = new ConcurrentHashMap<>();
    final RelayQueue queue = new RelayQueue();
    final Drain drain;
    volatile boolean ending;

    Outbox(String peer, ServerCallStreamObserver<byte[]> call, PeerStanding standing) {
      this.peer = peer;
      this.call = call;
      this.standing = standing;
      this.drain = new Drain(streams, this::drain);
    }

    @Override
    public void added(StoredItem item) {
      RelayPosition position = conferences.get(item.conference());
      if (position != null
          && item.sequence() > position.getContiguousThrough()
          && queue.offer(
              new RelayQueue.Key(item.conference(), item.sequence(), item.precedence()))) {
        drain.signal();
      }
    }

    private void drain() {
      if (ending) {
        node.removeOwnItemListener(this);
        open.remove(this);
        try {
          call.onError(
              Status.UNAVAILABLE
                  .withDescription("the hotline node is stopping; reopen from your positions")
                  .asRuntimeException());
        } catch (RuntimeException closed) {
          log.debug("relay stream to {} already closed", peer);
        }
        return;
      }
      try {
        while (!call.isCancelled() && call.isReady()) {
          List<RelayQueue.Key> keys = queue.poll(BATCH);
          if (keys.isEmpty()) {
            return;
          }
          Map<RelayQueue.Key, StoredItem> items = new HashMap<>();
          for (StoredItem item : node.store().items(node.nation(), keys)) {
            items.put(
                new RelayQueue.Key(item.conference(), item.sequence(), item.precedence()), item);
          }
          for (RelayQueue.Key key : keys) {
            StoredItem item = items.get(key);
            if (item != null) {
              call.onNext(RelayWire.encode(item.label(), item.content(), item.binding()));
              standing.sentSince.incrementAndGet();
            }
          }
        }
      } catch (HotlineStore.StoreException e) {
        node.removeOwnItemListener(this);
        try {
          call.onError(
              Status.UNAVAILABLE
                  .withDescription(e.getMessage() + "; reopen from your positions")
                  .asRuntimeException());
        } catch (RuntimeException closed) {
          log.debug("relay stream to {} already closed", peer);
        }
      } catch (StatusRuntimeException | IllegalStateException cancelled) {
        node.removeOwnItemListener(this);
      }
    }
  }
}
