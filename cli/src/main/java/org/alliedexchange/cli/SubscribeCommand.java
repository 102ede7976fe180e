package org.alliedexchange.cli;

import static org.alliedexchange.cli.ExchangeOutput.product;

import java.io.PrintWriter;
import java.util.Iterator;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `allied subscribe`: a topic's products as they are published. */
@Command(
    name = "subscribe",
    mixinStandardHelpOptions = true,
    description =
        "Receive a topic's products as they are published (after --from, those since that cursor first), until Ctrl-C.")
final class SubscribeCommand extends SystemCommand {
  @Option(names = "--topic", required = true, description = "The topic.")
  String topic;

  @Option(
      names = "--from",
      paramLabel = "CURSOR",
      description = "Start after this cursor (missed products first).")
  String from;

  @Option(
      names = "--count",
      defaultValue = "0",
      description = "Stop after this many products (0: never).")
  int count;

  @Override
  void run(AlliedClient client, ClientCredentialsTokens tokens, PrintWriter out) {
    SubscribeRequest.Builder request = SubscribeRequest.newBuilder().setTopic(topic);
    if (from != null) {
      request.setFromCursor(from);
    }
    Iterator<SubscribeResponse> products = client.exchange(nation()).subscribe(request.build());
    int received = 0;
    while (products.hasNext()) {
      SubscribeResponse product = products.next();
      print(out, product, product(product.getLabel(), product.getContent(), product.getCursor()));
      if (count > 0 && ++received >= count) {
        return;
      }
    }
  }
}
