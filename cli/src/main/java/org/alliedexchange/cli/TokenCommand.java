package org.alliedexchange.cli;

import static org.alliedexchange.cli.ExchangeOutput.json;

import java.io.PrintWriter;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentials;
import org.alliedexchange.client.ClientCredentialsTokens;
import picocli.CommandLine.Command;

/** `allied token`: the national system's access token. */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = "Print the national system's access token (client credentials).")
final class TokenCommand extends SystemCommand {
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
