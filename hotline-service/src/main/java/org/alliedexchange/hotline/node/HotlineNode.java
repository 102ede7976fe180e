package org.alliedexchange.hotline.node;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.ChainHead;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.MembershipChange;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.Receipt;
import org.alliedexchange.api.hotline.v1.ReceiptState;
import org.alliedexchange.api.hotline.v1.RelayContent;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.hotline.audit.HotlineAudit;
import org.alliedexchange.hotline.domain.ConferenceBook;
import org.alliedexchange.hotline.domain.RelayQueue;
import org.alliedexchange.hotline.domain.SendCheck;
import org.alliedexchange.hotline.domain.SendRefusal;
import org.alliedexchange.hotline.domain.SequenceTracker;
import org.alliedexchange.hotline.line.ChainHeads;
import org.alliedexchange.hotline.line.LineSupervision;
import org.alliedexchange.hotline.line.NodeOperations;
import org.alliedexchange.hotline.line.RelayItemDigest;
import org.alliedexchange.hotline.relay.RelayWire;
import org.alliedexchange.hotline.store.HotlineStore;
import org.alliedexchange.hotline.store.HotlineStore.ReceiptRow;
import org.alliedexchange.hotline.store.StoredItem;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.WireMapping;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One nation's hotline node: what it holds and every step it takes. Its own stream per conference
 * (messages, receipts, chain heads, numbered from 1 without gaps, signed with the nation's key),
 * what it took from its peers' streams (each item once, whatever the transport did), the receipts
 * per message and party, and the event log its watch sessions read. Every step is audited before it
 * takes effect, in the same transaction as what it stores, under one lock: the event log's order is
 * its commit order, so a reader after position N misses nothing.
 */
public final class HotlineNode implements NodeOperations {

  private static final Logger log = LoggerFactory.getLogger(HotlineNode.class);

  /** The precedence times after which a message not relayed to a party is EXPIRED there. */
  public record ExpireAfter(
      Duration flash, Duration immediate, Duration priority, Duration routine) {
    Duration of(int precedence) {
      return switch (Precedence.forNumber(precedence)) {
        case PRECEDENCE_FLASH, PRECEDENCE_FLASH_OVERRIDE -> flash;
        case PRECEDENCE_IMMEDIATE -> immediate;
        case PRECEDENCE_PRIORITY -> priority;
        default -> routine;
      };
    }
  }

  /** Told of every new item of this node's own stream, after it is committed. */
  public interface OwnItemListener {
    void added(StoredItem item);
  }

  /** Told that a conference's event log grew. */
  public interface EventListener {
    void grew(String conference);
  }

  /** What this node's probe of a peer does (through the gateway). */
  public interface Prober {
    long probe(String peer, Duration timeout);
  }

  private final String nation;
  private final String system;
  private final ConferenceBook book;
  private final HotlineStore store;
  private final HotlineAudit audit;
  private final BindingSigner signer;
  private final NationalKey key;
  private final Supplier<ReleasabilityEngine> engine;
  private final Supplier<String> agreementProblem;
  private final Clock clock;
  private final Duration delayThreshold;
  private final ExpireAfter expireAfter;
  private final ReentrantLock ledger = new ReentrantLock(true);
  private final Map<String, SequenceTracker> trackers = new ConcurrentHashMap<>();
  private final List<OwnItemListener> ownItemListeners = new CopyOnWriteArrayList<>();
  private final List<EventListener> eventListeners = new CopyOnWriteArrayList<>();
  private final Set<String> deliveredHere = ConcurrentHashMap.newKeySet();
  private volatile Supplier<LineSupervision> line = () -> null;
  private volatile Prober prober =
      (peer, timeout) -> {
        throw new IllegalStateException("this node has no gateway to probe " + peer + " through");
      };
  private volatile BacklogCounter backlog = peer -> 0;
  private volatile Memberships memberships;

  /** How many items a peer has not yet taken. */
  public interface BacklogCounter {
    long backlogFor(String peer);
  }

  public HotlineNode(
      String nation,
      String system,
      ConferenceBook book,
      HotlineStore store,
      HotlineAudit audit,
      BindingSigner signer,
      NationalKey key,
      Supplier<ReleasabilityEngine> engine,
      Supplier<String> agreementProblem,
      Clock clock,
      Duration delayThreshold,
      ExpireAfter expireAfter) {
    this.nation = nation;
    this.system = system;
    this.book = book;
    this.store = store;
    this.audit = audit;
    this.signer = signer;
    this.key = key;
    this.engine = engine;
    this.agreementProblem = agreementProblem;
    this.clock = clock;
    this.delayThreshold = delayThreshold;
    this.expireAfter = expireAfter;
    for (Conference conference : book.ofNation(nation)) {
      for (String peer : conference.getNationsList()) {
        if (!peer.equals(nation)) {
          trackers.put(
              trackerKey(peer, conference.getId()),
              new SequenceTracker(0, store.sequences(peer, conference.getId())));
        }
      }
    }
  }

  // ----- wiring

  public void lineSupervision(Supplier<LineSupervision> line) {
    this.line = line;
  }

  public void prober(Prober prober) {
    this.prober = prober;
  }

  public void backlogCounter(BacklogCounter backlog) {
    this.backlog = backlog;
  }

  /** What this node does with membership changes, its own and its peers'. */
  public void memberships(Memberships memberships) {
    this.memberships = memberships;
  }

  public void addOwnItemListener(OwnItemListener listener) {
    ownItemListeners.add(listener);
  }

  public void removeOwnItemListener(OwnItemListener listener) {
    ownItemListeners.remove(listener);
  }

  public void addEventListener(EventListener listener) {
    eventListeners.add(listener);
  }

  public void removeEventListener(EventListener listener) {
    eventListeners.remove(listener);
  }

  public HotlineStore store() {
    return store;
  }

  public ConferenceBook book() {
    return book;
  }

  // ----- the ledger: one transaction, one lock, then the notifications

  /** What one step did, told to the listeners once it is committed. */
  private final class Step {
    final java.sql.Connection connection;
    final List<StoredItem> ownItems = new ArrayList<>();
    final Set<String> conferencesLogged = new java.util.TreeSet<>();
    final List<Runnable> afterCommit = new ArrayList<>();
    // written together before the step commits: no record, no step
    final List<HotlineEvent> audits = new ArrayList<>();
    // this step's own items, signed together when it finishes
    final List<StoredItem> unsigned = new ArrayList<>();

    Step(java.sql.Connection connection) {
      this.connection = connection;
    }

    /**
     * Before the commit: the step's own items signed as one Merkle batch (one signature, however
     * many receipts a relayed batch made) and stored, then its records written to the audit stream
     * in one group. Nothing of the step is visible before the commit, so nothing takes effect
     * before it is audited.
     */
    void finish() throws SQLException {
      if (!unsigned.isEmpty()) {
        List<BindingSigner.Leaf> leaves = new ArrayList<>(unsigned.size());
        for (StoredItem item : unsigned) {
          leaves.add(new BindingSigner.Leaf(item.label(), item.content()));
        }
        List<Binding> bindings = signer.signBatch(leaves, clock.instant());
        for (int i = 0; i < unsigned.size(); i++) {
          StoredItem item = unsigned.get(i).withBinding(bindings.get(i).toByteArray());
          store.insertItem(connection, item);
          ownItems.add(item);
        }
        unsigned.clear();
      }
      audit.recordAll(audits);
    }
  }

  private interface StepWork<T> {
    T run(Step step) throws SQLException;
  }

  private <T> T step(StepWork<T> work) {
    List<Step> done = new ArrayList<>(1);
    T result;
    ledger.lock();
    try {
      result =
          store.inTransaction(
              connection -> {
                Step step = new Step(connection);
                T value = work.run(step);
                step.finish();
                done.add(step);
                return value;
              });
    } finally {
      ledger.unlock();
    }
    Step step = done.get(0);
    for (StoredItem item : step.ownItems) {
      for (OwnItemListener listener : ownItemListeners) {
        listener.added(item);
      }
    }
    for (String conference : step.conferencesLogged) {
      for (EventListener listener : eventListeners) {
        listener.grew(conference);
      }
    }
    for (Runnable task : step.afterCommit) {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("the line's supervision failed on a step: {}", e.toString());
      }
    }
    return result;
  }

  /** Appends an item to this node's own stream of a conference, signed. */
  private StoredItem appendOwn(
      Step step,
      String conference,
      int precedence,
      SecurityLabel label,
      String kind,
      String messageId,
      java.util.function.BiConsumer<long[], RelayContent.Builder> fill)
      throws SQLException {
    long[] numbers =
        store.nextNumbers(step.connection, conference, StoredItem.MESSAGE.equals(kind));
    Instant now = clock.instant();
    String id = UUID.randomUUID().toString();
    RelayContent.Builder content =
        RelayContent.newBuilder()
            .setId(id)
            .setTopic("hotline." + conference)
            .setOrigin(nation)
            .setConference(conference)
            .setSequence(numbers[0])
            .setCreatedAt(WireMapping.timestamp(now))
            .setPrecedence(Precedence.forNumber(precedence));
    fill.accept(numbers, content);
    byte[] labelBytes = label.toByteArray();
    byte[] contentBytes = content.build().toByteArray();
    // signed with the step's other own items, and stored, when the step finishes
    StoredItem item =
        new StoredItem(
            nation,
            conference,
            numbers[0],
            id,
            kind,
            precedence,
            messageId,
            labelBytes,
            contentBytes,
            null,
            null,
            null,
            now,
            null,
            null);
    step.unsigned.add(item);
    return item;
  }

  /** A membership step's work: what it records, and the audit records it returns. */
  public interface MembershipWork {
    List<HotlineEvent> run(java.sql.Connection connection, long sequence) throws SQLException;
  }

  /**
   * One ledger step for this node's own members of a conference: {@code change}, unless null,
   * appended to its own stream as a FLASH MEMBERSHIP item (so it overtakes traffic), then {@code
   * work} given that item's number (0 without one); its records are written before the commit.
   */
  void membershipStep(String conferenceId, MembershipChange change, MembershipWork work) {
    Conference conference = book.find(conferenceId).orElseThrow();
    step(
        step -> {
          long sequence = 0;
          if (change != null) {
            sequence =
                appendOwn(
                        step,
                        conferenceId,
                        Precedence.PRECEDENCE_FLASH_VALUE,
                        nodeLabel(conference.getNationsList()),
                        StoredItem.MEMBERSHIP,
                        null,
                        (numbers, content) -> content.setMembership(change))
                    .sequence();
          }
          step.audits.addAll(work.run(step.connection, sequence));
          return null;
        });
  }

  private long logEvent(
      Step step, String conference, WatchResponse response, String messageId, String origin)
      throws SQLException {
    step.conferencesLogged.add(conference);
    return store.appendEvent(
        step.connection, conference, response.toByteArray(), messageId, origin);
  }

  /** The node's own UNCLASSIFIED label, releasable to these nations. */
  public SecurityLabel nodeLabel(List<String> releasableTo) {
    java.util.TreeSet<String> nations = new java.util.TreeSet<>(releasableTo);
    nations.add(nation);
    return SecurityLabel.newBuilder()
        .setPolicy(nation)
        .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_UNCLASSIFIED)
        .setOriginator(nation)
        .addAllReleasableTo(nations)
        .build();
  }

  // ----- send

  /** The message and its label, as accepted. */
  public record Sent(SecurityLabel label, HotlineMessage message) {}

  /** A sender as the node knows it from the token. */
  public record Sender(String username, String nation, boolean principal) {}

  /**
   * Sends a message: checked for every party first (refusals are audited, nothing stored or
   * relayed), then audited, numbered, signed and stored, and relayed to the peers as they pull.
   */
  public Sent send(
      Sender sender,
      Conference conference,
      SecurityLabel label,
      Precedence precedence,
      MessageType type,
      String text,
      String idempotencyKey,
      boolean lineTest) {
    if (!idempotencyKey.isEmpty()) {
      Optional<String> earlier = store.sentWithKey(sender.username(), idempotencyKey);
      if (earlier.isPresent()) {
        return sentMessage(earlier.get());
      }
    }
    SendCheck.Sender checked =
        new SendCheck.Sender(sender.username(), sender.nation(), sender.principal());
    Instant now = clock.instant();
    SecurityLabel stored =
        label.getCreatedAt().getSeconds() == 0
            ? label.toBuilder().setCreatedAt(WireMapping.timestamp(now)).build()
            : label;
    try {
      SendCheck.checkText(text);
      SendCheck.checkPrecedence(precedence, checked);
      String problem = agreementProblem.get();
      if (problem != null) {
        throw Status.UNAVAILABLE.withDescription(problem).asRuntimeException();
      }
      SendCheck.checkLabel(stored, checked, conference, engine.get(), now);
    } catch (SendRefusal refusal) {
      audit.record(
          HotlineEvent.newBuilder()
              .setKind(HotlineEvent.Kind.MESSAGE_REFUSED)
              .setConference(conference.getId())
              .addAllParties(conference.getNationsList())
              .setPrecedence(shortName(precedence))
              .setLabel(SendCheck.auditable(stored))
              .setActor(sender.username())
              .setParty(refusal.party())
              .setReason(refusal.getMessage())
              .setExercise(exercise(type))
              .setTextDigest(com.google.protobuf.ByteString.copyFrom(sha256(text)))
              .build());
      throw refusal;
    }
    MessageType messageType =
        type == MessageType.MESSAGE_TYPE_UNSPECIFIED ? MessageType.MESSAGE_TYPE_OPERATION : type;
    String messageId = UUID.randomUUID().toString();
    return step(
        step -> {
          HotlineMessage[] message = new HotlineMessage[1];
          StoredItem item =
              appendOwn(
                  step,
                  conference.getId(),
                  precedence.getNumber(),
                  stored,
                  StoredItem.MESSAGE,
                  messageId,
                  (numbers, content) -> {
                    message[0] =
                        HotlineMessage.newBuilder()
                            .setId(messageId)
                            .setConference(conference.getId())
                            .setOrigin(nation)
                            .setSender(sender.username())
                            .setPrecedence(precedence)
                            .setType(messageType)
                            .setSerial(numbers[1])
                            .setText(text)
                            .setAcceptedAt(WireMapping.timestamp(now))
                            .setLineTest(lineTest)
                            .build();
                    content.setMessage(message[0]);
                    // audited before it is committed: no record, no message
                    step.audits.add(
                        HotlineEvent.newBuilder()
                            .setKind(HotlineEvent.Kind.MESSAGE_ACCEPTED)
                            .setConference(conference.getId())
                            .addAllParties(conference.getNationsList())
                            .setMessageId(messageId)
                            .setSequence(numbers[0])
                            .setPrecedence(shortName(precedence))
                            .setLabel(SendCheck.auditable(stored))
                            .setActor(sender.username())
                            .setParty(nation)
                            .setReceiptState("ACCEPTED")
                            .setExercise(exercise(messageType))
                            .setTextDigest(com.google.protobuf.ByteString.copyFrom(sha256(text)))
                            .build());
                  });
          if (!idempotencyKey.isEmpty()) {
            store.insertSendKey(step.connection, sender.username(), idempotencyKey, messageId);
          }
          logEvent(
              step,
              conference.getId(),
              WatchResponse.newBuilder().setLabel(stored).setMessage(message[0]).build(),
              messageId,
              nation);
          Receipt accepted =
              receipt(
                  messageId,
                  conference.getId(),
                  nation,
                  ReceiptState.RECEIPT_STATE_ACCEPTED,
                  sender.username(),
                  "");
          store.insertReceipt(step.connection, row(accepted));
          logEvent(
              step,
              conference.getId(),
              WatchResponse.newBuilder()
                  .setLabel(nodeLabel(conference.getNationsList()))
                  .setReceipt(accepted)
                  .build(),
              null,
              null);
          List<String> parties = conference.getNationsList();
          step.afterCommit.add(() -> onLine(l -> l.onMessage(message[0], parties)));
          step.afterCommit.add(() -> onLine(l -> l.onReceipt(accepted)));
          return new Sent(stored, message[0]);
        });
  }

  private Sent sentMessage(String messageId) {
    StoredItem item =
        store
            .message(messageId)
            .orElseThrow(
                () ->
                    Status.INTERNAL
                        .withDescription("the message sent with this key is missing")
                        .asRuntimeException());
    return new Sent(parseLabel(item.label()), parseContent(item.content()).getMessage());
  }

  // ----- receipts of this node

  private Receipt receipt(
      String messageId,
      String conference,
      String party,
      ReceiptState state,
      String by,
      String reason) {
    return Receipt.newBuilder()
        .setMessageId(messageId)
        .setConference(conference)
        .setParty(party)
        .setState(state)
        .setBy(by == null ? "" : by)
        .setReason(reason == null ? "" : reason)
        .setAt(WireMapping.timestamp(clock.instant()))
        .build();
  }

  private static ReceiptRow row(Receipt receipt) {
    return new ReceiptRow(
        receipt.getMessageId(),
        receipt.getParty(),
        receipt.getStateValue(),
        receipt.getConference(),
        receipt.getBy().isEmpty() ? null : receipt.getBy(),
        receipt.getReason().isEmpty() ? null : receipt.getReason(),
        WireMapping.instant(receipt.getAt()));
  }

  /**
   * This node's receipt for a message held here, about {@code party}: audited, recorded, numbered
   * in the node's own stream (relayed at the message's precedence) and shown on the watch sessions.
   * Returns the receipt recorded before when that party's state was recorded already.
   */
  private Receipt ownReceipt(
      Step step, StoredItem message, String party, ReceiptState state, String by, String reason)
      throws SQLException {
    Conference conference = book.find(message.conference()).orElseThrow();
    if (store.hasReceipt(step.connection, message.messageId(), party, state.getNumber())) {
      return null;
    }
    Receipt receipt = receipt(message.messageId(), message.conference(), party, state, by, reason);
    step.audits.add(
        HotlineEvent.newBuilder()
            .setKind(HotlineEvent.Kind.RECEIPT)
            .setConference(message.conference())
            .addAllParties(conference.getNationsList())
            .setMessageId(message.messageId())
            .setSequence(message.sequence())
            .setPrecedence(shortName(Precedence.forNumber(message.precedence())))
            .setActor(by == null || by.isEmpty() ? system : by)
            .setParty(party)
            .setReceiptState(WireMapping.shortName(state))
            .setReason(reason == null ? "" : reason)
            .build());
    store.insertReceipt(step.connection, row(receipt));
    appendOwn(
        step,
        message.conference(),
        message.precedence(),
        nodeLabel(conference.getNationsList()),
        StoredItem.RECEIPT,
        message.messageId(),
        (numbers, content) -> content.setReceipt(receipt));
    logEvent(
        step,
        message.conference(),
        WatchResponse.newBuilder()
            .setLabel(nodeLabel(conference.getNationsList()))
            .setReceipt(receipt)
            .build(),
        null,
        null);
    step.afterCommit.add(() -> onLine(l -> l.onReceipt(receipt)));
    return receipt;
  }

  /**
   * Messages were shown on an open session of {@code username}, a member of this nation: their
   * DELIVERED receipts, once each, in one step.
   */
  public void delivered(List<String> messageIds, String username) {
    List<String> fresh = messageIds.stream().filter(deliveredHere::add).toList();
    if (fresh.isEmpty()) {
      return;
    }
    try {
      List<StoredItem> messages = new ArrayList<>();
      // one read for the page, not one per message
      java.util.Map<String, StoredItem> held = store.messages(fresh);
      for (String messageId : fresh) {
        StoredItem message = held.get(messageId);
        if (message != null
            && !message.origin().equals(nation)
            && message.refusedReason() == null) {
          messages.add(message);
        }
      }
      step(
          step -> {
            for (StoredItem message : messages) {
              ownReceipt(step, message, nation, ReceiptState.RECEIPT_STATE_DELIVERED, username, "");
            }
            return null;
          });
    } catch (RuntimeException e) {
      // tried again on the next showing
      fresh.forEach(deliveredHere::remove);
      log.warn("DELIVERED receipts were not recorded: {}", e.toString());
    }
  }

  /**
   * A person of this nation acknowledged or read a message from another nation (ACKNOWLEDGED or
   * READ): recorded once per party; the first person's receipt stands.
   */
  public Receipt personReceipt(String messageId, String username, ReceiptState state) {
    StoredItem message = messageFromPeer(messageId);
    return step(
        step -> {
          Receipt receipt = ownReceipt(step, message, nation, state, username, "");
          if (receipt != null) {
            return receipt;
          }
          return store
              .receipt(messageId, nation, state.getNumber())
              .map(
                  row ->
                      Receipt.newBuilder()
                          .setMessageId(messageId)
                          .setConference(row.conference())
                          .setParty(nation)
                          .setState(state)
                          .setBy(row.by() == null ? "" : row.by())
                          .setAt(WireMapping.timestamp(row.at()))
                          .build())
              .orElseThrow();
        });
  }

  /** A message held here from another nation, or the status saying why not. */
  public StoredItem messageFromPeer(String messageId) {
    StoredItem message =
        store
            .message(messageId)
            .orElseThrow(
                () ->
                    Status.NOT_FOUND
                        .withDescription("no message " + messageId + " on this node")
                        .asRuntimeException());
    if (message.origin().equals(nation)) {
      throw Status.FAILED_PRECONDITION
          .withDescription(
              "message "
                  + messageId
                  + " is "
                  + nation
                  + "'s own: a party reads and acknowledges what other nations sent")
          .asRuntimeException();
    }
    if (message.refusedReason() != null) {
      throw Status.FAILED_PRECONDITION
          .withDescription(
              "message " + messageId + " was not delivered here: " + message.refusedReason())
          .asRuntimeException();
    }
    return message;
  }

  /**
   * Gives up on relaying this node's overdue messages: a message not RELAYED to a party within its
   * precedence's time is EXPIRED there, with the reason.
   */
  public int expireOverdue() {
    int expired = 0;
    Instant now = clock.instant();
    for (Conference conference : book.ofNation(nation)) {
      int parties = conference.getNationsCount() - 1;
      for (Precedence precedence :
          List.of(
              Precedence.PRECEDENCE_FLASH_OVERRIDE,
              Precedence.PRECEDENCE_FLASH,
              Precedence.PRECEDENCE_IMMEDIATE,
              Precedence.PRECEDENCE_PRIORITY,
              Precedence.PRECEDENCE_ROUTINE)) {
        Duration limit = expireAfter.of(precedence.getNumber());
        for (StoredItem message :
            store.unsettledMessages(
                nation, conference.getId(), precedence.getNumber(), now.minus(limit), parties)) {
          for (String party : conference.getNationsList()) {
            if (party.equals(nation)) {
              continue;
            }
            Receipt receipt =
                step(
                    step -> {
                      for (ReceiptState settled :
                          List.of(
                              ReceiptState.RECEIPT_STATE_RELAYED,
                              ReceiptState.RECEIPT_STATE_DELIVERED,
                              ReceiptState.RECEIPT_STATE_READ,
                              ReceiptState.RECEIPT_STATE_ACKNOWLEDGED,
                              ReceiptState.RECEIPT_STATE_NON_DELIVERED)) {
                        if (store.hasReceipt(
                            step.connection, message.messageId(), party, settled.getNumber())) {
                          return null;
                        }
                      }
                      return ownReceipt(
                          step,
                          message,
                          party,
                          ReceiptState.RECEIPT_STATE_EXPIRED,
                          "",
                          "not relayed to "
                              + party
                              + " within "
                              + limit
                              + " ("
                              + shortName(precedence)
                              + "): "
                              + party
                              + "'s node has not taken it");
                    });
            if (receipt != null) {
              expired++;
            }
          }
        }
      }
    }
    return expired;
  }

  // ----- relayed in

  /** Where this node stands in a peer's stream of a conference. */
  public SequenceTracker tracker(String peer, String conference) {
    return trackers.get(trackerKey(peer, conference));
  }

  private static String trackerKey(String origin, String conference) {
    return origin + "\u0000" + conference;
  }

  /** Whether some peer stream has a gap open. */
  public boolean hasGap(String peer) {
    for (Conference conference : book.ofNation(nation)) {
      SequenceTracker tracker = tracker(peer, conference.getId());
      if (tracker != null) {
        synchronized (tracker) {
          if (tracker.hasGap()) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** What became of one relayed item. */
  public enum Taken {
    /** Stored and acted on. */
    STORED,
    /** Held already: nothing changed. */
    DUPLICATE,
    /** Stored to keep the numbering, but not delivered here (a NON_DELIVERED receipt says why). */
    NOT_DELIVERED,
    /** Not a valid item of this peer: dropped. */
    DROPPED
  }

  /**
   * Takes one item relayed from {@code peer} (the nation whose node the relay called): checked,
   * stored once whatever the transport repeats or reorders, and acted on.
   */
  public Taken acceptRelayed(String peer, byte[] response) {
    return acceptRelayed(peer, List.of(response)).get(0);
  }

  /** A relayed item checked and ready to store. */
  private record Prepared(
      StoredItem item,
      RelayContent content,
      SecurityLabel label,
      Conference conference,
      String refused,
      SequenceTracker tracker) {}

  /**
   * Takes items relayed from {@code peer}, in the order given, in one transaction (one commit and
   * one audit round for all): what each became, in the same order. When the step fails (the
   * database or the audit stream), nothing of it is kept and the exception is thrown: the caller
   * reopens its stream from the positions held, so the items come again.
   */
  public List<Taken> acceptRelayed(String peer, List<byte[]> responses) {
    Taken[] taken = new Taken[responses.size()];
    List<Integer> toStore = new ArrayList<>();
    List<Prepared> prepared = new ArrayList<>();
    for (int i = 0; i < responses.size(); i++) {
      Object checked = prepare(peer, responses.get(i));
      if (checked instanceof Taken early) {
        taken[i] = early;
      } else {
        toStore.add(i);
        prepared.add((Prepared) checked);
      }
    }
    if (!prepared.isEmpty()) {
      List<Taken> stored =
          step(
              step -> {
                List<Taken> results = new ArrayList<>(prepared.size());
                for (Prepared one : prepared) {
                  results.add(store(step, peer, one));
                }
                return results;
              });
      for (int j = 0; j < prepared.size(); j++) {
        taken[toStore.get(j)] = stored.get(j);
        if (stored.get(j) != Taken.DUPLICATE) {
          SequenceTracker tracker = prepared.get(j).tracker();
          synchronized (tracker) {
            tracker.add(prepared.get(j).item().sequence());
          }
        }
      }
    }
    return List.of(taken);
  }

  /** The item checked and built, or what became of it when it is not to be stored. */
  private Object prepare(String peer, byte[] response) {
    RelayWire.Item wire;
    RelayContent content;
    SecurityLabel label;
    try {
      wire = RelayWire.decode(response);
      content = RelayContent.parseFrom(wire.content());
      label = SecurityLabel.parseFrom(wire.label());
    } catch (InvalidProtocolBufferException e) {
      log.warn("dropped an unreadable item relayed from {}: {}", peer, e.getMessage());
      return Taken.DROPPED;
    }
    String problem = problem(peer, content, label, wire);
    Memberships membershipChanges = memberships;
    if (problem == null
        && content.getItemCase() == RelayContent.ItemCase.MEMBERSHIP
        && membershipChanges != null) {
      problem = membershipChanges.problem(peer, content);
    }
    if (problem != null) {
      log.warn("dropped an item relayed from {}: {}", peer, problem);
      return Taken.DROPPED;
    }
    SequenceTracker tracker = tracker(peer, content.getConference());
    synchronized (tracker) {
      if (tracker.holds(content.getSequence())) {
        return Taken.DUPLICATE;
      }
    }
    Conference conference = book.find(content.getConference()).orElseThrow();
    Instant now = clock.instant();
    Instant created = WireMapping.instant(content.getCreatedAt());
    long lateMs = Duration.between(created, now).toMillis();
    Long delayMs = lateMs > delayThreshold.toMillis() ? lateMs : null;
    String refused =
        content.getItemCase() == RelayContent.ItemCase.MESSAGE
            ? messageProblem(content, label, conference)
            : null;
    String messageId =
        switch (content.getItemCase()) {
          case MESSAGE -> content.getMessage().getId();
          case RECEIPT -> content.getReceipt().getMessageId();
          default -> null;
        };
    String kind =
        switch (content.getItemCase()) {
          case MESSAGE -> StoredItem.MESSAGE;
          case RECEIPT -> StoredItem.RECEIPT;
          case CHAIN_HEAD -> StoredItem.CHAIN_HEAD;
          default -> StoredItem.MEMBERSHIP;
        };
    StoredItem item =
        new StoredItem(
            peer,
            content.getConference(),
            content.getSequence(),
            content.getId(),
            kind,
            content.getPrecedenceValue(),
            messageId == null || messageId.isEmpty() ? null : messageId,
            wire.label(),
            wire.content(),
            wire.binding(),
            wire.release() == null ? null : wire.release().getMarking(),
            wire.release() == null ? null : wire.release().getTransferId(),
            created,
            delayMs,
            refused);
    return new Prepared(item, content, label, conference, refused, tracker);
  }

  private Taken store(Step step, String peer, Prepared prepared) throws SQLException {
    StoredItem item = prepared.item();
    RelayContent content = prepared.content();
    Conference conference = prepared.conference();
    if (store.holds(step.connection, peer, item.conference(), item.sequence(), item.itemId())) {
      return Taken.DUPLICATE;
    }
    switch (content.getItemCase()) {
      case MESSAGE -> {
        if (prepared.refused() != null) {
          store.insertItem(step.connection, item);
          if (item.messageId() != null) {
            ownReceipt(
                step,
                item,
                nation,
                ReceiptState.RECEIPT_STATE_NON_DELIVERED,
                "",
                prepared.refused());
          }
          return Taken.NOT_DELIVERED;
        }
        takeMessage(step, item, content.getMessage(), prepared.label(), conference, item.delayMs());
      }
      case RECEIPT -> {
        store.insertItem(step.connection, item);
        Receipt receipt = content.getReceipt();
        if (store.insertReceipt(step.connection, row(receipt))) {
          logEvent(
              step,
              item.conference(),
              WatchResponse.newBuilder()
                  .setLabel(nodeLabel(conference.getNationsList()))
                  .setReceipt(receipt)
                  .build(),
              null,
              null);
          step.afterCommit.add(() -> onLine(l -> l.onReceipt(receipt)));
        }
      }
      case CHAIN_HEAD -> {
        store.insertItem(step.connection, item);
        ChainHead head = content.getChainHead();
        step.afterCommit.add(() -> onLine(l -> l.onChainHead(peer, head)));
      }
      case MEMBERSHIP -> {
        store.insertItem(step.connection, item);
        if (memberships != null) {
          memberships.taken(
              step.connection,
              peer,
              item.sequence(),
              content.getMembership(),
              step.audits::add,
              step.afterCommit::add);
        }
      }
      default -> store.insertItem(step.connection, item);
    }
    return Taken.STORED;
  }

  private void takeMessage(
      Step step,
      StoredItem item,
      HotlineMessage message,
      SecurityLabel label,
      Conference conference,
      Long delayMs)
      throws SQLException {
    step.audits.add(
        HotlineEvent.newBuilder()
            .setKind(HotlineEvent.Kind.MESSAGE_RELAYED)
            .setConference(item.conference())
            .addAllParties(conference.getNationsList())
            .setMessageId(message.getId())
            .setSequence(item.sequence())
            .setPrecedence(shortName(message.getPrecedence()))
            .setLabel(SendCheck.auditable(label))
            .setActor(message.getSender())
            .setParty(nation)
            .setExercise(exercise(message.getType()))
            .setTextDigest(com.google.protobuf.ByteString.copyFrom(sha256(message.getText())))
            .setReason(delayMs == null ? "" : "delayed " + delayMs + " ms")
            .build());
    store.insertItem(step.connection, item);
    HotlineMessage shown =
        delayMs == null
            ? message
            : message.toBuilder().setDelayed(true).setDelayMs(delayMs).build();
    logEvent(
        step,
        item.conference(),
        WatchResponse.newBuilder().setLabel(label).setMessage(shown).build(),
        message.getId(),
        item.origin());
    ownReceipt(step, item, nation, ReceiptState.RECEIPT_STATE_RELAYED, "", "");
    List<String> parties = conference.getNationsList();
    step.afterCommit.add(() -> onLine(l -> l.onMessage(shown, parties)));
  }

  /** Why an item relayed from {@code peer} is not one of its stream's items, or null. */
  private String problem(
      String peer, RelayContent content, SecurityLabel label, RelayWire.Item wire) {
    if (!content.getOrigin().equals(peer)) {
      return "its origin " + content.getOrigin() + " is not the peer called";
    }
    if (!label.getOriginator().equals(peer)) {
      return "its label's originator " + label.getOriginator() + " is not the peer called";
    }
    if (label.hasRelease()) {
      return "its origin label carries a release";
    }
    if (content.getSequence() <= 0) {
      return "its sequence is not positive";
    }
    Optional<Conference> conference = book.find(content.getConference());
    if (conference.isEmpty()
        || !conference.get().getNationsList().contains(peer)
        || !conference.get().getNationsList().contains(nation)) {
      return "conference " + content.getConference() + " is not one of " + peer + " and " + nation;
    }
    if (!content.getTopic().equals("hotline." + content.getConference())) {
      return "its topic " + content.getTopic() + " is not its conference's";
    }
    if (content.getItemCase() == RelayContent.ItemCase.ITEM_NOT_SET) {
      return "it holds no item";
    }
    try {
      Binding binding = Binding.parseFrom(wire.binding());
      if (!binding.getSigner().equals(peer)
          || !MessageDigest.isEqual(
              binding.getContentDigest().toByteArray(), sha256(wire.content()))) {
        return "its binding is not the peer's over this content";
      }
    } catch (InvalidProtocolBufferException e) {
      return "its binding does not parse";
    }
    return null;
  }

  /** Why a relayed message cannot be delivered here, or null. */
  private String messageProblem(RelayContent content, SecurityLabel label, Conference conference) {
    HotlineMessage message = content.getMessage();
    if (message.getId().isEmpty() || message.getId().length() > 64) {
      return "the message has no id";
    }
    if (!message.getOrigin().equals(content.getOrigin())
        || !message.getConference().equals(content.getConference())) {
      return "the message's origin or conference is not its stream's";
    }
    if (message.getPrecedence() != content.getPrecedence()) {
      return "the message's precedence is not its item's";
    }
    try {
      SendCheck.checkText(message.getText());
      SendCheck.checkLabel(
          label,
          new SendCheck.Sender(message.getSender(), content.getOrigin(), true),
          conference,
          engine.get(),
          clock.instant());
    } catch (SendRefusal refusal) {
      return refusal.getMessage();
    }
    return null;
  }

  /** What this node asks a peer for: per conference, where it stands in the peer's stream. */
  public List<org.alliedexchange.api.hotline.v1.RelayPosition> positionsFor(String peer) {
    List<org.alliedexchange.api.hotline.v1.RelayPosition> positions = new ArrayList<>();
    for (Conference conference : book.ofNation(nation)) {
      SequenceTracker tracker = tracker(peer, conference.getId());
      if (tracker == null) {
        continue;
      }
      synchronized (tracker) {
        positions.add(
            org.alliedexchange.api.hotline.v1.RelayPosition.newBuilder()
                .setConference(conference.getId())
                .setContiguousThrough(tracker.contiguousThrough())
                .addAllAlsoHeld(tracker.alsoHeld())
                .build());
      }
    }
    return positions;
  }

  /** The peers this node shares a conference with. */
  public Set<String> peers() {
    Set<String> peers = new java.util.TreeSet<>();
    for (Conference conference : book.ofNation(nation)) {
      peers.addAll(conference.getNationsList());
    }
    peers.remove(nation);
    return peers;
  }

  /** This node's own items of a conference after a position, as relay keys. */
  public List<RelayQueue.Key> ownKeysAfter(String conference, long after) {
    return store.ownKeysAfter(nation, conference, after);
  }

  // ----- NodeOperations

  @Override
  public String nation() {
    return nation;
  }

  /** The node's own system identity, e.g. kor-hotline. */
  public String system() {
    return system;
  }

  @Override
  public List<Conference> conferences() {
    return book.ofNation(nation);
  }

  @Override
  public HotlineMessage sendLineTest(String conferenceId, String text) {
    Conference conference =
        book.find(conferenceId)
            .filter(c -> c.getNationsList().contains(nation))
            .orElseThrow(
                () -> new IllegalArgumentException("no conference " + conferenceId + " here"));
    // the chain head goes first, so a receiver compares it before it acknowledges the test
    step(
        step -> {
          List<RelayItemDigest> items = store.digests(conferenceId);
          ChainHead head = ChainHeads.sign(conferenceId, items, key, clock.instant());
          step.audits.add(
              HotlineEvent.newBuilder()
                  .setKind(HotlineEvent.Kind.LINE_TEST)
                  .setConference(conferenceId)
                  .addAllParties(conference.getNationsList())
                  .setActor(system)
                  .setParty(nation)
                  .setReason("line test sent with this node's signed chain head")
                  .setHeadHash(head.getHeadHash())
                  .build());
          appendOwn(
              step,
              conferenceId,
              Precedence.PRECEDENCE_PRIORITY_VALUE,
              nodeLabel(conference.getNationsList()),
              StoredItem.CHAIN_HEAD,
              null,
              (numbers, content) -> content.setChainHead(head));
          return null;
        });
    return send(
            new Sender(system, nation, false),
            conference,
            nodeLabel(conference.getNationsList()),
            Precedence.PRECEDENCE_PRIORITY,
            MessageType.MESSAGE_TYPE_OPERATION,
            text,
            "",
            true)
        .message();
  }

  @Override
  public List<RelayItemDigest> conferenceItems(String conference) {
    return store.digests(conference);
  }

  @Override
  public long backlogFor(String peer) {
    return backlog.backlogFor(peer);
  }

  @Override
  public void publish(PeerLink link) {
    step(
        step -> {
          for (Conference conference : book.ofNation(nation)) {
            if (conference.getNationsList().contains(link.getPeer())) {
              logEvent(
                  step,
                  conference.getId(),
                  WatchResponse.newBuilder()
                      .setLabel(nodeLabel(conference.getNationsList()))
                      .setLink(link)
                      .build(),
                  null,
                  null);
            }
          }
          return null;
        });
  }

  @Override
  public void publish(Alarm alarm) {
    step(
        step -> {
          for (Conference conference : book.ofNation(nation)) {
            if (alarm.getConference().isEmpty()
                || alarm.getConference().equals(conference.getId())) {
              logEvent(
                  step,
                  conference.getId(),
                  WatchResponse.newBuilder()
                      .setLabel(nodeLabel(conference.getNationsList()))
                      .setAlarm(alarm)
                      .build(),
                  null,
                  null);
            }
          }
          return null;
        });
  }

  @Override
  public void audit(HotlineEvent event) {
    audit.record(event);
  }

  @Override
  public long probe(String peer, Duration timeout) {
    return prober.probe(peer, timeout);
  }

  // ----- helpers

  private void onLine(java.util.function.Consumer<LineSupervision> call) {
    LineSupervision supervision = line.get();
    if (supervision != null) {
      call.accept(supervision);
    }
  }

  static String shortName(Precedence precedence) {
    return WireMapping.shortName(precedence);
  }

  private static boolean exercise(MessageType type) {
    return type == MessageType.MESSAGE_TYPE_EXERCISE || type == MessageType.MESSAGE_TYPE_DRILL;
  }

  public static SecurityLabel parseLabel(byte[] bytes) {
    try {
      return SecurityLabel.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a stored label does not parse", e);
    }
  }

  public static RelayContent parseContent(byte[] bytes) {
    try {
      return RelayContent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a stored item does not parse", e);
    }
  }

  static byte[] sha256(String text) {
    return sha256(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
