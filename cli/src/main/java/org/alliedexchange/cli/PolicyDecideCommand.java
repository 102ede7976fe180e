package org.alliedexchange.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.PolicyConfigException;
import org.alliedexchange.policy.ReleasabilityEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.json.JsonMapper;

/** `allied policy decide`: one JSON answer per line for each question read. */
@Command(
    name = "decide",
    mixinStandardHelpOptions = true,
    description = {
      "Decide PERMIT or DENY for labelled items and recipients.",
      "Reads one JSON object, a JSON array of them, or several objects in a row, and prints one JSON result per line, in order.",
      "Input: {\"label\": {\"policy\": \"KOR\", \"marking\": \"군사II급비밀\", \"originator\": \"KOR\", \"releasableTo\": [\"KOR\",\"JPN\"],"
          + " \"communities\": [], \"controls\": []}, \"recipient\": {\"nation\": \"JPN\", \"clearance\": \"SECRET\", \"communities\": []},"
          + " \"at\": \"2026-01-01T00:00:00Z\"}",
      "Output: {\"decision\":\"PERMIT\",\"reasons\":[],\"marking\":\"極秘\",\"agreement\":\"KOR-JPN-GSOMIA-2016\"}"
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:every question was answered (PERMIT or DENY)",
      "2:the input or the configuration could not be read"
    })
final class PolicyDecideCommand implements Callable<Integer> {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Federation configuration (YAML or JSON); default: the built-in KOR/JPN/USA configuration.")
  Path config;

  @Option(
      names = "--input",
      paramLabel = "FILE",
      description = "Read the questions from FILE instead of standard input.")
  Path input;

  private final InputStream stdin;
  private final Clock clock;

  PolicyDecideCommand() {
    this(System.in, Clock.systemUTC());
  }

  PolicyDecideCommand(InputStream stdin, Clock clock) {
    this.stdin = stdin;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Federation federation =
          config == null ? FederationConfig.loadDefault() : FederationConfig.load(config);
      ReleasabilityEngine engine = new ReleasabilityEngine(federation);
      // read and check everything first: a malformed question later in the input prints nothing
      // half-done
      List<DecisionJson.Request> requests = readRequests(clock.instant());
      for (DecisionJson.Request request : requests) {
        out.println(
            JSON.writeValueAsString(
                DecisionJson.answer(
                    engine.decide(request.label(), request.recipient(), request.at()))));
      }
      out.flush();
      return 0;
    } catch (MalformedInputException | PolicyConfigException e) {
      err.println("allied policy decide: " + e.getMessage());
      return org.alliedexchange.cli.Allied.MALFORMED_INPUT;
    }
  }

  private List<DecisionJson.Request> readRequests(Instant now) throws MalformedInputException {
    String source = input == null ? "input" : input.toString();
    List<DecisionJson.Request> requests = new ArrayList<>();
    try (InputStream in = input == null ? stdin : Files.newInputStream(input);
        MappingIterator<JsonNode> values = JSON.readerFor(JsonNode.class).readValues(in)) {
      int index = 0;
      while (values.hasNextValue()) {
        JsonNode value = values.nextValue();
        if (value.isArray()) {
          for (JsonNode element : value) {
            requests.add(DecisionJson.request(element, source + "[" + index++ + "]", now));
          }
        } else {
          requests.add(DecisionJson.request(value, source + "[" + index++ + "]", now));
        }
      }
    } catch (NoSuchFileException e) {
      throw new MalformedInputException(source + ": no such file");
    } catch (IOException e) {
      throw new MalformedInputException(source + ": cannot read: " + e.getMessage());
    } catch (JacksonException e) {
      var location = e.getLocation();
      throw new MalformedInputException(
          source
              + ": not valid JSON"
              + (location == null
                  ? ""
                  : " at line " + location.getLineNr() + ", column " + location.getColumnNr())
              + ": "
              + e.getOriginalMessage());
    }
    if (requests.isEmpty()) {
      throw new MalformedInputException(
          source + ": no question given; expected a JSON object or an array of them");
    }
    return requests;
  }
}
