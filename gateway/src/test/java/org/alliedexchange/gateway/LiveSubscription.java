package org.alliedexchange.gateway;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;

/**
 * A live subscription to KOR's missile-launch topic through the gateway, collecting what arrives.
 */
final class LiveSubscription implements StreamObserver<SubscribeResponse> {
  final BlockingQueue<SubscribeResponse> received = new LinkedBlockingQueue<>();
  final CompletableFuture<Status> ended = new CompletableFuture<>();

  LiveSubscription(ManagedChannel channel, String token) {
    Metadata headers = new Metadata();
    headers.put(GatewayFixture.NATION, "KOR");
    ExchangeServiceGrpc.newStub(channel)
        .withCallCredentials(TestTokens.bearer(token))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .subscribe(SubscribeRequest.newBuilder().setTopic("dprk.missile.launch").build(), this);
  }

  String next(Duration within) throws InterruptedException {
    SubscribeResponse response = received.poll(within.toMillis(), TimeUnit.MILLISECONDS);
    return response == null ? null : response.getContent().getId();
  }

  @Override
  public void onNext(SubscribeResponse value) {
    received.add(value);
  }

  @Override
  public void onError(Throwable t) {
    ended.complete(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    ended.complete(Status.OK);
  }
}
