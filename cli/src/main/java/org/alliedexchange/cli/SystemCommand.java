package org.alliedexchange.cli;

import static org.alliedexchange.cli.ExchangeOutput.json;

import com.google.protobuf.MessageOrBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import org.alliedexchange.client.TokenSource;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Connects, runs, and turns a gRPC refusal into its status and message, exit 1. */
abstract class SystemCommand implements Callable<Integer> {
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
