package org.alliedexchange.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * An HTTP answer read as UTF-8 text up to a bound: whatever answers at Keycloak's address (a
 * process that took its port, anyone on a plain-HTTP path) cannot make the client hold an endless
 * body. An answer beyond the bound fails the request with an {@link IOException} and the rest is
 * not read.
 */
final class BoundedBody {

  /** Far above a token response or a login page (a few KiB), far below harm. */
  static final int MAX_BYTES = 1 << 20;

  private BoundedBody() {}

  static HttpResponse.BodyHandler<String> ofString() {
    return ofString(MAX_BYTES);
  }

  static HttpResponse.BodyHandler<String> ofString(int maxBytes) {
    return info -> new Subscriber(maxBytes);
  }

  private static final class Subscriber implements HttpResponse.BodySubscriber<String> {
    private final int maxBytes;
    private final ByteArrayOutputStream read = new ByteArrayOutputStream();
    private final CompletableFuture<String> body = new CompletableFuture<>();
    private Flow.Subscription subscription;

    Subscriber(int maxBytes) {
      this.maxBytes = maxBytes;
    }

    @Override
    public CompletionStage<String> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer buffer : buffers) {
        if (buffer.remaining() > maxBytes - read.size()) {
          subscription.cancel();
          body.completeExceptionally(
              new IOException("the answer is larger than " + maxBytes + " bytes"));
          return;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        read.writeBytes(bytes);
      }
    }

    @Override
    public void onError(Throwable failure) {
      body.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
      body.complete(read.toString(StandardCharsets.UTF_8));
    }
  }
}
