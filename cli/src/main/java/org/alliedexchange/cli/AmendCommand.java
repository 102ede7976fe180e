package org.alliedexchange.cli;

import static org.alliedexchange.cli.ExchangeOutput.product;

import java.io.PrintWriter;
import java.util.List;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityResponse;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `allied amend`: a product's releasability, by its originator. */
@Command(
    name = "amend",
    mixinStandardHelpOptions = true,
    description = "Amend a product's releasability (its originator's systems only).")
final class AmendCommand extends SystemCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "The product.")
  String id;

  @Option(
      names = "--releasable-to",
      required = true,
      split = ",",
      paramLabel = "NAT",
      description = "The nations it may go to, e.g. KOR,JPN,USA.")
  List<String> releasableTo;

  @Option(
      names = "--justification",
      required = true,
      description = "Why: the originator's recorded consent.")
  String justification;

  @Override
  void run(AlliedClient client, ClientCredentialsTokens tokens, PrintWriter out) {
    AmendReleasabilityResponse amended =
        client
            .exchange(nation())
            .amendReleasability(
                AmendReleasabilityRequest.newBuilder()
                    .setProductId(id)
                    .addAllReleasableTo(releasableTo)
                    .setJustification(justification)
                    .build());
    print(out, amended, "amended " + product(amended.getLabel(), amended.getContent(), null));
  }
}
