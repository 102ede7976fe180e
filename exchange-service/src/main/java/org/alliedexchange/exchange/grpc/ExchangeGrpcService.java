package org.alliedexchange.exchange.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityResponse;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.PublishResponse;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.exchange.audit.ExchangeAudit;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.exchange.feed.LiveFeed;
import org.alliedexchange.exchange.feed.PublishBatcher;
import org.alliedexchange.exchange.feed.Sink;
import org.alliedexchange.exchange.store.NewProduct;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.exchange.store.SearchFilter;
import org.alliedexchange.exchange.store.StoredProduct;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.ProtoLabels;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.LabelDefect;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Reason;
import org.alliedexchange.policy.Recipient;
import org.alliedexchange.policy.ReleasabilityEngine;

/**
 * One nation's ExchangeService. Every write is checked against who the caller is (its token, via
 * {@link Caller}); every read passes the {@link ReadGuard}.
 */
public final class ExchangeGrpcService extends ExchangeServiceGrpc.ExchangeServiceImplBase {

  /** Trailer of a search: where the next page starts, when there may be one. */
  public static final Metadata.Key<String> NEXT_CURSOR = AlliedMetadata.NEXT_CURSOR;
  /** Trailer of a search: how many products the caller was not given (not releasable, or failed their check). */
  public static final Metadata.Key<String> WITHHELD = AlliedMetadata.WITHHELD;

  private static final Pattern TOPIC = Pattern.compile("[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)*");
  private static final Pattern NATION = Pattern.compile("[A-Z]{3}");

  private final String nation;
  private final ProductStore store;
  private final PublishBatcher batcher;
  private final LiveFeed feed;
  private final BindingSigner signer;
  private final Supplier<ReleasabilityEngine> engine;
  private final ExchangeAudit audit;
  private final ReadGuard guard;
  private final Clock clock;
  private final int pageSize;
  private final int pageMax;
  private final java.util.concurrent.ExecutorService fetcher = java.util.concurrent.Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "search-fetch");
    thread.setDaemon(true);
    return thread;
  });

  public ExchangeGrpcService(String nation, ProductStore store, PublishBatcher batcher, LiveFeed feed, BindingSigner signer,
      BindingVerifier verifier, Supplier<ReleasabilityEngine> engine, ExchangeAudit audit, Clock clock, int pageSize, int pageMax) {
    this.nation = nation;
    this.store = store;
    this.batcher = batcher;
    this.feed = feed;
    this.signer = signer;
    this.engine = engine;
    this.audit = audit;
    this.clock = clock;
    this.pageSize = pageSize;
    this.pageMax = pageMax;
    this.guard = new ReadGuard(nation, verifier, engine, audit, clock);
  }

  // ---- Publish ---------------------------------------------------------------------------------

  @Override
  public void publish(PublishRequest request, StreamObserver<PublishResponse> response) {
    Caller caller = AuthenticationInterceptor.caller();
    requirePublisherOfThisNation(caller, "publish");
    SecurityLabel label = request.getLabel();
    ProductContent content = request.getContent();
    checkPublishRequest(request);
    if (!label.getOriginator().isEmpty() && !label.getOriginator().equals(nation)) {
      throw denied("third-party rule: this exchange service publishes only " + nation + "'s own products; a product "
          + "originated by " + label.getOriginator() + " can be published only by " + label.getOriginator()
          + ", and passed on only with its consent (AmendReleasability)");
    }
    Instant now = clock.instant();
    Decision validity = engine.get().decide(ProtoLabels.toDomain(label),
        new Recipient(nation, Level.TOP_SECRET, new LinkedHashSet<>(label.getCommunitiesList())), now);
    if (validity.reasons().contains(Reason.LABEL_INVALID)) {
      throw invalid("label invalid: " + defects(validity.labelDefects()));
    }
    Level level = validity.level();
    if (caller.clearance() == null || !caller.clearance().dominates(level)) {
      throw denied("the label's level " + level + " is above your clearance " + caller.clearance());
    }

    SecurityLabel stored = label.getCreatedAt().getSeconds() == 0 ? label.toBuilder().setCreatedAt(timestamp(now)).build() : label;
    UUID id = UUID.randomUUID();
    ProductContent signedContent = content.toBuilder()
        .setId(id.toString()).setPublishedAt(timestamp(now)).setPublisher(caller.system()).build();
    // signed with the rest of its batch by the publish writer
    NewProduct product = new NewProduct(id, content.getTopic(), level, instant(content.getObservedAt()), now, caller.system(),
        request.getIdempotencyKey().isEmpty() ? null : request.getIdempotencyKey(), stored.toByteArray(),
        signedContent.toByteArray(), null);

    batcher.submit(product).whenComplete((saved, error) -> {
      if (error != null) {
        response.onError(Status.UNAVAILABLE.withDescription("the product was not stored (" + rootMessage(error)
            + "); retry with the same idempotency key").asRuntimeException());
        return;
      }
      try {
        response.onNext(PublishResponse.newBuilder().setLabel(SecurityLabel.parseFrom(saved.label()))
            .setContent(ProductContent.parseFrom(saved.content())).setBinding(Binding.parseFrom(saved.binding())).build());
        response.onCompleted();
      } catch (InvalidProtocolBufferException e) {
        response.onError(Status.INTERNAL.withDescription("stored product does not parse").asRuntimeException());
      } catch (StatusRuntimeException | IllegalStateException cancelled) {
        // the caller went away after the commit; the product is stored and a retry with the key finds it
      }
    });
  }

  private void checkPublishRequest(PublishRequest request) {
    if (!request.hasLabel()) {
      throw invalid("label is required");
    }
    if (!request.getLabel().getUnknownFields().asMap().isEmpty()) {
      throw invalid("label has fields this service does not know; it cannot sign what it cannot interpret");
    }
    if (request.getLabel().hasRelease()) {
      throw invalid("label.release is set by the gateway when it releases an item, never by an originator");
    }
    if (!request.hasContent()) {
      throw invalid("content is required");
    }
    ProductContent content = request.getContent();
    if (!content.getId().isEmpty() || content.hasPublishedAt() || !content.getPublisher().isEmpty()) {
      throw invalid("content.id, content.published_at and content.publisher are set by the service; leave them empty");
    }
    if (!TOPIC.matcher(content.getTopic()).matches() || content.getTopic().length() > 128) {
      throw invalid("content.topic \"" + content.getTopic() + "\" must be lower-case, dot-separated words, e.g. dprk.missile.launch");
    }
    if (!content.hasObservedAt()) {
      throw invalid("content.observed_at is required");
    }
    if (content.getPayloadCase() == ProductContent.PayloadCase.PAYLOAD_NOT_SET) {
      throw invalid("content.payload is required (missile_launch or free_text)");
    }
    if (request.getIdempotencyKey().length() > 128) {
      throw invalid("idempotency_key is longer than 128 characters");
    }
  }

  // ---- AmendReleasability ----------------------------------------------------------------------

  @Override
  public void amendReleasability(AmendReleasabilityRequest request, StreamObserver<AmendReleasabilityResponse> response) {
    Caller caller = AuthenticationInterceptor.caller();
    requirePublisherOfThisNation(caller, "amend releasability");
    UUID id = productId(request.getProductId());
    if (request.getJustification().isBlank()) {
      throw invalid("justification is required: it is the originator's recorded consent");
    }
    List<String> releasableTo = new ArrayList<>(new LinkedHashSet<>(request.getReleasableToList()));
    for (String target : releasableTo) {
      if (!NATION.matcher(target).matches() || engine.get().federation().nation(target) == null) {
        throw invalid("releasable_to: \"" + target + "\" is not a nation of the federation");
      }
    }
    StoredProduct product = load(id);
    ReadGuard.Refusal tampered = guard.checkBinding(product, caller.system());
    if (tampered != null) {
      throw Status.DATA_LOSS.withDescription(tampered.detail()).asRuntimeException();
    }
    SecurityLabel previous = parseLabel(product.label());
    SecurityLabel amended = previous.toBuilder().clearReleasableTo().addAllReleasableTo(releasableTo).build();
    Decision validity = engine.get().decide(ProtoLabels.toDomain(amended), new Recipient(nation, Level.TOP_SECRET,
        new LinkedHashSet<>(amended.getCommunitiesList())), clock.instant());
    if (validity.reasons().contains(Reason.LABEL_INVALID)) {
      throw invalid("the amended label would be invalid: " + defects(validity.labelDefects()));
    }
    byte[] labelBytes = amended.toByteArray();
    Binding binding = signer.sign(labelBytes, product.content(), clock.instant());
    try {
      audit.amended(id.toString(), nation, caller.system(), previous.getReleasableToList(), releasableTo, request.getJustification());
    } catch (RuntimeException e) {
      throw Status.UNAVAILABLE.withDescription("the amendment could not be audited (" + e.getMessage() + "); nothing was changed")
          .asRuntimeException();
    }
    try {
      if (!store.amend(id, product.label(), labelBytes, binding.toByteArray(), caller.system(), request.getJustification())) {
        throw Status.ABORTED.withDescription("the product's label changed meanwhile; read it again and retry").asRuntimeException();
      }
    } catch (SQLException e) {
      throw unavailable(e);
    }
    response.onNext(AmendReleasabilityResponse.newBuilder().setLabel(amended).setContent(parseContent(product.content()))
        .setBinding(binding).build());
    response.onCompleted();
  }

  // ---- Get -------------------------------------------------------------------------------------

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> response) {
    Caller caller = requireReader();
    StoredProduct product = load(productId(request.getProductId()));
    ReadGuard.Refusal refusal = guard.check(product, caller, "ExchangeService/Get");
    if (refusal != null) {
      throw (refusal.tampered() ? Status.DATA_LOSS : Status.PERMISSION_DENIED).withDescription(refusal.detail()).asRuntimeException();
    }
    ProductContent content = parseContent(product.content());
    if (!content.getId().equals(product.id().toString())) {
      // a signed product stored under another product's id: rows swapped behind the service's back
      String detail = "the signed content names product " + content.getId();
      audit.bindingViolation(product.id().toString(), nation, detail, caller.system());
      throw Status.DATA_LOSS.withDescription("product " + product.id() + " failed its binding check (" + detail
          + ") and is not served; the refusal was audited").asRuntimeException();
    }
    response.onNext(GetResponse.newBuilder().setLabel(parseLabel(product.label())).setContent(content)
        .setBinding(parseBinding(product.binding())).build());
    response.onCompleted();
  }

  // ---- Search ----------------------------------------------------------------------------------

  /** Search, bound by {@link #serviceDefinition()}: writes the stored bytes as they are (see RawMessage). */
  private void searchStored(SearchRequest request, StreamObserver<RawMessage> response) {
    Caller caller = requireReader();
    SearchFilter filter = searchFilter(request);
    int wanted = request.getPageSize() == 0 ? pageSize : Math.min(request.getPageSize(), pageMax);
    new SearchStream((ServerCallStreamObserver<RawMessage>) response, caller, filter, wanted, store, guard, fetcher).start();
  }

  /**
   * The generated binding, with Search and Subscribe answering with {@link RawMessage}s: the same wire
   * format as their responses, written from the stored bytes. Reflection and health see the same service.
   */
  public ServerServiceDefinition serviceDefinition() {
    MethodDescriptor<SearchRequest, RawMessage> search = raw(ExchangeServiceGrpc.getSearchMethod());
    MethodDescriptor<SubscribeRequest, RawMessage> subscribe = raw(ExchangeServiceGrpc.getSubscribeMethod());
    Set<String> replaced = Set.of(search.getFullMethodName(), subscribe.getFullMethodName());
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(ExchangeServiceGrpc.SERVICE_NAME)
        .setSchemaDescriptor(ExchangeServiceGrpc.getServiceDescriptor().getSchemaDescriptor())
        .addMethod(search).addMethod(subscribe);
    for (MethodDescriptor<?, ?> method : ExchangeServiceGrpc.getServiceDescriptor().getMethods()) {
      if (!replaced.contains(method.getFullMethodName())) {
        descriptor.addMethod(method);
      }
    }
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> method : bindService().getMethods()) {
      if (!replaced.contains(method.getMethodDescriptor().getFullMethodName())) {
        definition.addMethod(method);
      }
    }
    definition.addMethod(search, ServerCalls.asyncServerStreamingCall(this::searchStored));
    definition.addMethod(subscribe, ServerCalls.asyncServerStreamingCall(this::subscribeStored));
    return definition.build();
  }

  private static <Q> MethodDescriptor<Q, RawMessage> raw(MethodDescriptor<Q, ?> method) {
    return method.toBuilder(method.getRequestMarshaller(), RawMessage.MARSHALLER).build();
  }

  private SearchFilter searchFilter(SearchRequest request) {
    String topic = request.getTopic().isEmpty() ? null : request.getTopic();
    if (topic != null && !TOPIC.matcher(topic).matches()) {
      throw invalid("topic \"" + topic + "\" must be lower-case, dot-separated words");
    }
    Instant from = request.hasObservedFrom() ? instant(request.getObservedFrom()) : null;
    Instant to = request.hasObservedTo() ? instant(request.getObservedTo()) : null;
    if (from != null && to != null && !from.isBefore(to)) {
      throw invalid("observed_from must be before observed_to");
    }
    Level min = level(request.getMinLevel(), "min_level");
    Level max = level(request.getMaxLevel(), "max_level");
    if (min != null && max != null && min.compareTo(max) > 0) {
      throw invalid("min_level is above max_level");
    }
    long after = request.getCursor().isEmpty() ? 0 : Cursors.parseSearch(request.getCursor());
    return new SearchFilter(topic, from, to, min, max, after);
  }

  // ---- Subscribe -------------------------------------------------------------------------------

  /** Subscribe, bound by {@link #serviceDefinition()}: writes the stored bytes as they are (see RawMessage). */
  private void subscribeStored(SubscribeRequest request, StreamObserver<RawMessage> plainResponse) {
    Caller caller = requireReader();
    if (!TOPIC.matcher(request.getTopic()).matches()) {
      throw invalid("topic is required: lower-case, dot-separated words, e.g. dprk.missile.launch");
    }
    ServerCallStreamObserver<RawMessage> response = (ServerCallStreamObserver<RawMessage>) plainResponse;
    long after;
    try {
      after = request.getFromCursor().isEmpty() ? feed.position() : Cursors.parseFeed(request.getFromCursor());
    } catch (SQLException e) {
      throw unavailable(e);
    }
    Context context = Context.current();
    Sink sink = new Sink() {
      @Override
      public boolean ready() {
        return response.isReady();
      }

      @Override
      public boolean closed() {
        return response.isCancelled() || context.isCancelled();
      }

      @Override
      public void send(StoredProduct product) {
        if (guard.check(product, caller, "ExchangeService/Subscribe") != null) {
          return;
        }
        // a SubscribeResponse, written from the stored bytes
        RawMessage message = RawMessage.product(product.label(), product.content(), product.binding(), Cursors.feed(product.position()));
        synchronized (response) {
          response.onNext(message);
        }
      }

      @Override
      public void fail(Throwable error) {
        synchronized (response) {
          response.onError(Status.UNAVAILABLE.withDescription("the subscription stopped (" + rootMessage(error)
              + "); reconnect with your last cursor to miss nothing").asRuntimeException());
        }
      }
    };
    response.setOnReadyThreshold(SearchStream.STREAM_BUFFER);
    Runnable wake = feed.subscribe(request.getTopic(), after, sink);
    response.setOnReadyHandler(wake);
    response.setOnCancelHandler(wake);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private void requirePublisherOfThisNation(Caller caller, String what) {
    if (!caller.hasRole(Caller.PUBLISH)) {
      throw denied("to " + what + " a system needs the " + Caller.PUBLISH + " role");
    }
    if (!nation.equals(caller.nation())) {
      throw denied("this is " + nation + "'s exchange service; a system of " + caller.nation() + " cannot " + what
          + " here (use your own nation's)");
    }
  }

  private Caller requireReader() {
    Caller caller = AuthenticationInterceptor.caller();
    if (!caller.hasRole(Caller.READ)) {
      throw denied("reading needs the " + Caller.READ + " role");
    }
    return caller;
  }

  private StoredProduct load(UUID id) {
    try {
      Optional<StoredProduct> product = store.get(id);
      return product.orElseThrow(() -> Status.NOT_FOUND.withDescription("no product " + id + " at " + nation).asRuntimeException());
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  private static UUID productId(String text) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw invalid("product_id \"" + text + "\" is not a product id (a UUID)");
    }
  }

  private static Level level(ClassificationLevel level, String field) {
    if (level == ClassificationLevel.UNRECOGNIZED) {
      throw invalid(field + " is not a level this service knows");
    }
    return ProtoLabels.toDomain(level);
  }

  private static String defects(Set<LabelDefect> defects) {
    List<String> lines = new ArrayList<>();
    for (LabelDefect defect : defects) {
      lines.add(defect.name() + " (" + defect.description() + ")");
    }
    return String.join("; ", lines);
  }

  private static SecurityLabel parseLabel(byte[] bytes) {
    try {
      return SecurityLabel.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw Status.DATA_LOSS.withDescription("stored label does not parse").asRuntimeException();
    }
  }

  private static Binding parseBinding(byte[] bytes) {
    try {
      return Binding.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw Status.DATA_LOSS.withDescription("stored binding does not parse").asRuntimeException();
    }
  }

  private static ProductContent parseContent(byte[] bytes) {
    try {
      return ProductContent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw Status.DATA_LOSS.withDescription("stored content does not parse").asRuntimeException();
    }
  }

  static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }

  static Instant instant(Timestamp at) {
    return Instant.ofEpochSecond(at.getSeconds(), at.getNanos());
  }

  static StatusRuntimeException invalid(String why) {
    return Status.INVALID_ARGUMENT.withDescription(why).asRuntimeException();
  }

  static StatusRuntimeException denied(String why) {
    return Status.PERMISSION_DENIED.withDescription(why).asRuntimeException();
  }

  private static StatusRuntimeException unavailable(SQLException e) {
    return Status.UNAVAILABLE.withDescription("the product store is unavailable: " + e.getMessage()).asRuntimeException();
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
