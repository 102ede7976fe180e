package org.alliedexchange.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityResponse;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.PublishResponse;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.exchange.v1.SubscribeRequest;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentials;
import org.alliedexchange.client.ClientCredentialsTokens;
import org.alliedexchange.client.TokenSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The national systems' commands: `allied token|publish|amend|get|search|subscribe`, through the
 * gateway.
 */
final class ExchangeCommands {

  private ExchangeCommands() {}

  static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  /** Connects, runs, and turns a gRPC refusal into its status and message, exit 1. */
  abstract static class SystemCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClientOptions connection;

    @Option(
        names = "--json",
        description = "One JSON object per line (the proto3 JSON of each answer), for scripts.")
    boolean json;

    abstract void run(AlliedClient client, ClientCredentialsTokens tokens, PrintWriter out)
        throws Exception;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      try {
        ClientCredentialsTokens tokens = connection.tokens();
        try (AlliedClient client = connection.connect(tokens)) {
          run(client, tokens, spec.commandLine().getOut());
        }
        spec.commandLine().getOut().flush();
        return 0;
      } catch (StatusRuntimeException e) {
        err.println(
            "allied "
                + spec.name()
                + ": "
                + e.getStatus().getCode()
                + ": "
                + e.getStatus().getDescription());
        return 1;
      } catch (TokenSource.TokenException e) {
        err.println("allied " + spec.name() + ": no token: " + e.getMessage());
        return 1;
      } catch (ClientOptions.Unusable | MalformedInputException e) {
        err.println("allied " + spec.name() + ": " + e.getMessage());
        return Allied.MALFORMED_INPUT;
      } catch (IOException e) {
        err.println("allied " + spec.name() + ": " + e.getMessage());
        return 1;
      } catch (Exception e) {
        err.println("allied " + spec.name() + ": " + e);
        return 1;
      }
    }

    String nation() {
      return connection.nationToCall(connection.clientId());
    }

    void print(PrintWriter out, MessageOrBuilder message, String line) {
      out.println(json ? json(message) : line);
      out.flush();
    }
  }

  static String json(MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** One line for a product as the caller received it. */
  static String product(SecurityLabel label, ProductContent content, String cursor) {
    String released =
        label.hasRelease()
            ? label.getRelease().getMarking()
                + " ("
                + label.getRelease().getRecipientNation()
                + " marking of "
                + label.getOriginator()
                + " "
                + label.getMarking()
                + ")"
            : label.getMarking();
    return content.getId()
        + "  "
        + content.getTopic()
        + "  "
        + released
        + "  releasable to "
        + String.join(",", label.getReleasableToList())
        + (label.hasRelease() ? "  transfer " + label.getRelease().getTransferId() : "")
        + (cursor == null ? "" : "  cursor " + cursor);
  }

  @Command(
      name = "token",
      mixinStandardHelpOptions = true,
      description = "Print the national system's access token (client credentials).")
  static final class Token extends SystemCommand {
    @Override
    void run(AlliedClient client, ClientCredentialsTokens tokens, PrintWriter out) {
      String token = tokens.token();
      if (json) {
        out.println(
            "{\"accessToken\":\""
                + token
                + "\",\"claims\":"
                + ClientCredentials.unverifiedClaims(token)
                + "}");
      } else {
        out.println(token);
      }
    }
  }

  @Command(
      name = "publish",
      mixinStandardHelpOptions = true,
      description = {
        "Publish a product to the system's own nation's exchange service.",
        "The file is a PublishRequest in the proto3 JSON mapping: {\"label\": {...}, \"content\": {...}}; see examples/product.json."
      })
  static final class Publish extends SystemCommand {
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
          out,
          published,
          "published " + product(published.getLabel(), published.getContent(), null));
    }
  }

  @Command(
      name = "amend",
      mixinStandardHelpOptions = true,
      description = "Amend a product's releasability (its originator's systems only).")
  static final class Amend extends SystemCommand {
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

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = "Get one product from a nation's exchange service, as released to this system.")
  static final class Get extends SystemCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The product.")
    String id;

    @Override
    void run(AlliedClient client, ClientCredentialsTokens tokens, PrintWriter out) {
      GetResponse product =
          client.exchange(nation()).get(GetRequest.newBuilder().setProductId(id).build());
      print(out, product, product(product.getLabel(), product.getContent(), null));
    }
  }

  @Command(
      name = "search",
      mixinStandardHelpOptions = true,
      description = {
        "Search a nation's exchange service: one page of the products released to this system, oldest first.",
        "What was withheld is counted on stderr; so is the cursor of the next page."
      })
  static final class Search extends SystemCommand {
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
      if (end != null
          && end.get(AlliedClient.WITHHELD) != null
          && !"0".equals(end.get(AlliedClient.WITHHELD))) {
        err.println(
            "withheld: "
                + end.get(AlliedClient.WITHHELD)
                + " ("
                + end.get(AlliedClient.WITHHELD_REASONS)
                + ")");
      }
      if (end != null && end.get(AlliedClient.NEXT_CURSOR) != null) {
        err.println("more: --cursor " + end.get(AlliedClient.NEXT_CURSOR));
      }
    }
  }

  @Command(
      name = "subscribe",
      mixinStandardHelpOptions = true,
      description =
          "Receive a topic's products as they are published (after --from, those since that cursor first), until Ctrl-C.")
  static final class Subscribe extends SystemCommand {
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

  /** Turns a status into the line the commands print, for callers outside picocli. */
  static String describe(Status status) {
    return status.getCode() + ": " + status.getDescription();
  }
}
