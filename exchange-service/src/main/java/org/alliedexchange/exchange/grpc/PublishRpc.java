package org.alliedexchange.exchange.grpc;

import static org.alliedexchange.exchange.grpc.RequestFields.TOPIC;
import static org.alliedexchange.exchange.grpc.Statuses.denied;
import static org.alliedexchange.exchange.grpc.Statuses.invalid;
import static org.alliedexchange.exchange.grpc.Statuses.rootMessage;
import static org.alliedexchange.label.WireMapping.instant;
import static org.alliedexchange.label.WireMapping.timestamp;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Supplier;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.PublishResponse;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.exchange.feed.PublishBatcher;
import org.alliedexchange.exchange.store.NewProduct;
import org.alliedexchange.label.ProtoLabels;
import org.alliedexchange.policy.Label;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.ReleasabilityEngine;

/**
 * Publish: a product of this nation, with a valid label at or below the publisher's clearance,
 * stored and signed with the rest of its batch.
 */
final class PublishRpc {

  /** Printable ASCII: the key is stored and compared as text, so it holds no controls. */
  private static final java.util.regex.Pattern IDEMPOTENCY_KEY =
      java.util.regex.Pattern.compile("[\\x21-\\x7e]{0,128}");

  private final String nation;
  private final PublishBatcher batcher;
  private final Supplier<ReleasabilityEngine> engine;
  private final CallerAccess access;
  private final Clock clock;

  PublishRpc(
      String nation,
      PublishBatcher batcher,
      Supplier<ReleasabilityEngine> engine,
      CallerAccess access,
      Clock clock) {
    this.nation = nation;
    this.batcher = batcher;
    this.engine = engine;
    this.access = access;
    this.clock = clock;
  }

  void publish(PublishRequest request, StreamObserver<PublishResponse> response) {
    Caller caller = access.writer("Publish", "publish");
    SecurityLabel label = request.getLabel();
    ProductContent content = request.getContent();
    checkRequest(request);
    if (!label.getOriginator().isEmpty() && !label.getOriginator().equals(nation)) {
      throw denied(
          "third-party rule: this exchange service publishes only "
              + nation
              + "'s own products; a product "
              + "originated by "
              + label.getOriginator()
              + " can be published only by "
              + label.getOriginator()
              + ", and passed on only with its consent (AmendReleasability)");
    }
    Instant now = clock.instant();
    Label domain = ProtoLabels.toDomain(label);
    Origination.check(engine.get(), domain, caller);
    Level level = engine.get().validate(domain).level();

    SecurityLabel stored =
        label.getCreatedAt().getSeconds() == 0
            ? label.toBuilder().setCreatedAt(timestamp(now)).build()
            : label;
    UUID id = UUID.randomUUID();
    ProductContent signedContent =
        content.toBuilder()
            .setId(id.toString())
            .setPublishedAt(timestamp(now))
            .setPublisher(caller.system())
            .build();
    // signed with the rest of its batch by the publish writer
    NewProduct product =
        new NewProduct(
            id,
            content.getTopic(),
            level,
            instant(content.getObservedAt()),
            now,
            caller.system(),
            request.getIdempotencyKey().isEmpty() ? null : request.getIdempotencyKey(),
            stored.toByteArray(),
            signedContent.toByteArray(),
            null);

    batcher
        .submit(product)
        .whenComplete(
            (saved, error) -> {
              if (error != null) {
                response.onError(
                    Status.UNAVAILABLE
                        .withDescription(
                            "the product was not stored ("
                                + rootMessage(error)
                                + "); retry with the same idempotency key")
                        .asRuntimeException());
                return;
              }
              try {
                response.onNext(
                    PublishResponse.newBuilder()
                        .setLabel(SecurityLabel.parseFrom(saved.label()))
                        .setContent(ProductContent.parseFrom(saved.content()))
                        .setBinding(Binding.parseFrom(saved.binding()))
                        .build());
                response.onCompleted();
              } catch (InvalidProtocolBufferException e) {
                response.onError(
                    Status.INTERNAL
                        .withDescription("stored product does not parse")
                        .asRuntimeException());
              } catch (StatusRuntimeException | IllegalStateException cancelled) {
                // the caller went away after the commit; the product is stored and a retry with the
                // key finds it
              }
            });
  }

  private static void checkRequest(PublishRequest request) {
    if (!request.hasLabel()) {
      throw invalid("label is required");
    }
    if (request.getLabel().hasRelease()) {
      throw invalid(
          "label.release is set by the gateway when it releases an item, never by an originator");
    }
    if (!request.hasContent()) {
      throw invalid("content is required");
    }
    ProductContent content = request.getContent();
    if (!content.getId().isEmpty()
        || content.hasPublishedAt()
        || !content.getPublisher().isEmpty()) {
      throw invalid(
          "content.id, content.published_at and content.publisher are set by the service; leave them empty");
    }
    if (!TOPIC.matcher(content.getTopic()).matches() || content.getTopic().length() > 128) {
      throw invalid(
          "content.topic "
              + RequestFields.quoted(content.getTopic())
              + " must be lower-case, dot-separated words, e.g. dprk.missile.launch");
    }
    if (!content.hasObservedAt()) {
      throw invalid("content.observed_at is required");
    }
    if (content.getPayloadCase() == ProductContent.PayloadCase.PAYLOAD_NOT_SET) {
      throw invalid("content.payload is required (missile_launch or free_text)");
    }
    if (!IDEMPOTENCY_KEY.matcher(request.getIdempotencyKey()).matches()) {
      throw invalid("idempotency_key must be up to 128 printable ASCII characters");
    }
  }
}
