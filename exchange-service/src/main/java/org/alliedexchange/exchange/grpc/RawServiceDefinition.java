package org.alliedexchange.exchange.grpc;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import java.util.Set;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;

/**
 * The generated binding, with Search and Subscribe answering with {@link RawMessage}s: the same
 * wire format as their responses, written from the stored bytes. Reflection and health see the same
 * service.
 */
final class RawServiceDefinition {
  private RawServiceDefinition() {}

  /**
   * @param generated the service with its unary RPCs; its Search and Subscribe are replaced by
   *     {@code search} and {@code subscribe}
   */
  static ServerServiceDefinition of(
      BindableService generated,
      ServerCalls.ServerStreamingMethod<SearchRequest, RawMessage> search,
      ServerCalls.ServerStreamingMethod<SubscribeRequest, RawMessage> subscribe) {
    MethodDescriptor<SearchRequest, RawMessage> rawSearch =
        raw(ExchangeServiceGrpc.getSearchMethod());
    MethodDescriptor<SubscribeRequest, RawMessage> rawSubscribe =
        raw(ExchangeServiceGrpc.getSubscribeMethod());
    Set<String> replaced = Set.of(rawSearch.getFullMethodName(), rawSubscribe.getFullMethodName());
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(ExchangeServiceGrpc.SERVICE_NAME)
            .setSchemaDescriptor(ExchangeServiceGrpc.getServiceDescriptor().getSchemaDescriptor())
            .addMethod(rawSearch)
            .addMethod(rawSubscribe);
    for (MethodDescriptor<?, ?> method : ExchangeServiceGrpc.getServiceDescriptor().getMethods()) {
      if (!replaced.contains(method.getFullMethodName())) {
        descriptor.addMethod(method);
      }
    }
    ServerServiceDefinition.Builder definition =
        ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> method : generated.bindService().getMethods()) {
      if (!replaced.contains(method.getMethodDescriptor().getFullMethodName())) {
        definition.addMethod(method);
      }
    }
    definition.addMethod(rawSearch, ServerCalls.asyncServerStreamingCall(search));
    definition.addMethod(rawSubscribe, ServerCalls.asyncServerStreamingCall(subscribe));
    return definition.build();
  }

  private static <Q> MethodDescriptor<Q, RawMessage> raw(MethodDescriptor<Q, ?> method) {
    return method.toBuilder(method.getRequestMarshaller(), RawMessage.MARSHALLER).build();
  }
}
