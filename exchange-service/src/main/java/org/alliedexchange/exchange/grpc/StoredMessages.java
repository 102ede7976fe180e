package org.alliedexchange.exchange.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * A stored product's bytes as messages: bytes that do not parse are lost data (DATA_LOSS), never
 * the caller's fault.
 */
final class StoredMessages {
  private StoredMessages() {}

  static SecurityLabel label(byte[] bytes) {
    try {
      return SecurityLabel.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw Status.DATA_LOSS.withDescription("stored label does not parse").asRuntimeException();
    }
  }

  static Binding binding(byte[] bytes) {
    try {
      return Binding.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw Status.DATA_LOSS.withDescription("stored binding does not parse").asRuntimeException();
    }
  }

  static ProductContent content(byte[] bytes) {
    try {
      return ProductContent.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw Status.DATA_LOSS.withDescription("stored content does not parse").asRuntimeException();
    }
  }
}
