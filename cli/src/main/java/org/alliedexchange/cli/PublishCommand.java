package org.alliedexchange.cli;

import static org.alliedexchange.cli.ExchangeOutput.product;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.PublishResponse;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `allied publish`: a product from a JSON file to the system's own nation. */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = {
      "Publish a product to the system's own nation's exchange service.",
      "The file is a PublishRequest in the proto3 JSON mapping: {\"label\": {...}, \"content\": {...}}; see examples/product.json."
    })
final class PublishCommand extends SystemCommand {
  @Option(
      names = "--file",
      required = true,
      paramLabel = "FILE",
      description = "The PublishRequest as JSON.")
  Path file;

  @Override
  void run(AlliedClient client, ClientCredentialsTokens tokens, PrintWriter out)
      throws IOException, MalformedInputException {
    PublishRequest.Builder request = PublishRequest.newBuilder();
    try {
      JsonFormat.parser().merge(Files.readString(file), request);
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedInputException(file + " is not a PublishRequest: " + e.getMessage());
    }
    PublishResponse published = client.exchange(nation()).publish(request.build());
    print(
        out, published, "published " + product(published.getLabel(), published.getContent(), null));
  }
}
