package org.alliedexchange.cli;

import static org.alliedexchange.cli.ExchangeOutput.product;

import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `allied search`: one page of products, with the next page's cursor on stderr. */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    description = {
      "Search a nation's exchange service: one page of the products released to this system, oldest first.",
      "The cursor of the next page is on stderr. Nothing is said of products not released to you."
    })
final class SearchCommand extends SystemCommand {
  @Option(names = "--topic", description = "Only this topic.")
  String topic;

  @Option(
      names = "--page-size",
      defaultValue = "0",
      description = "Products per page (0: the service's default).")
  int pageSize;

  @Option(names = "--cursor", description = "Resume after this cursor.")
  String cursor;

  @Override
  void run(AlliedClient client, ClientCredentialsTokens tokens, PrintWriter out) {
    SearchRequest.Builder request = SearchRequest.newBuilder().setPageSize(pageSize);
    if (topic != null) {
      request.setTopic(topic);
    }
    if (cursor != null) {
      request.setCursor(cursor);
    }
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    Iterator<SearchResponse> results =
        client
            .exchange(nation())
            .withInterceptors(
                MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
            .search(request.build());
    while (results.hasNext()) {
      SearchResponse product = results.next();
      print(out, product, product(product.getLabel(), product.getContent(), product.getCursor()));
    }
    Metadata end = trailers.get();
    PrintWriter err = spec.commandLine().getErr();
    if (end != null && end.get(AlliedClient.NEXT_CURSOR) != null) {
      err.println("more: --cursor " + end.get(AlliedClient.NEXT_CURSOR));
    }
  }
}
