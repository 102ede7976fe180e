package org.alliedexchange.cli;

import static org.alliedexchange.cli.ExchangeOutput.product;

import java.io.PrintWriter;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `allied get`: one product as released to this system. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = "Get one product from a nation's exchange service, as released to this system.")
final class GetCommand extends SystemCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "The product.")
  String id;

  @Override
  void run(AlliedClient client, ClientCredentialsTokens tokens, PrintWriter out) {
    GetResponse product =
        client.exchange(nation()).get(GetRequest.newBuilder().setProductId(id).build());
    print(out, product, product(product.getLabel(), product.getContent(), null));
  }
}
