package org.alliedexchange.cli;

import static org.alliedexchange.cli.ExchangeOutput.json;

import com.google.protobuf.MessageOrBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.TokenSource;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every `allied hotline` subcommand shares: the person's token, one channel to the gateway
 * naming the person's own nation, and one line for any failure: exit 1 with the gRPC status and
 * message for a refusal, exit 2 for input or configuration the command cannot use.
 */
abstract class HotlineMemberCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HotlineOptions options;

  @Option(
      names = "--json",
      description = "One JSON object per line (the proto3 JSON of each answer), for scripts.")
  boolean json;

  /** The node of the caller's nation, and the caller's tokens. */
  record Node(AlliedClient client, String nation, TokenSource tokens) {
    HotlineServiceGrpc.HotlineServiceBlockingStub blocking() {
      return client.hotline(nation);
    }

    HotlineServiceGrpc.HotlineServiceStub async() {
      return client.hotlineAsync(nation);
    }
  }

  abstract void run(Node node, PrintWriter out) throws Exception;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    String name = "allied hotline " + spec.name();
    try {
      TokenSource tokens = options.tokens(Clock.systemUTC());
      String nation = HotlineOptions.nationOf(tokens.token());
      try (AlliedClient client = AlliedClient.connect(options.gatewayUri(), tokens)) {
        run(new Node(client, nation, tokens), spec.commandLine().getOut());
      }
      spec.commandLine().getOut().flush();
      return 0;
    } catch (StatusRuntimeException e) {
      err.println(
          name
              + ": "
              + e.getStatus().getCode()
              + ": "
              + HotlineOutput.safe(e.getStatus().getDescription()));
      return 1;
    } catch (TokenSource.TokenException e) {
      err.println(name + ": no token: " + e.getMessage());
      return 1;
    } catch (ClientOptions.Unusable | MalformedInputException | IllegalArgumentException e) {
      err.println(name + ": " + e.getMessage());
      return Allied.MALFORMED_INPUT;
    } catch (IOException e) {
      err.println(name + ": " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } catch (Exception e) {
      err.println(name + ": " + e);
      return 1;
    }
  }

  void print(PrintWriter out, MessageOrBuilder message, String line) {
    out.println(json ? json(message) : line);
    out.flush();
  }
}
