package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyDecideCommandTest {

  private static final String KOR_SECRET_TO_JPN =
      """
      {"label": {"policy": "KOR", "marking": "군사II급비밀", "originator": "KOR", "releasableTo": ["KOR","JPN"], "communities": [], "controls": []},
       "recipient": {"nation": "JPN", "clearance": "SECRET", "communities": []}, "at": "2026-01-01T00:00:00Z"}""";
  private static final String KOR_TOP_SECRET_TO_JPN =
      """
      {"label": {"policy": "KOR", "level": "TOP_SECRET", "originator": "KOR", "releasableTo": ["KOR","JPN"]},
       "recipient": {"nation": "JPN", "clearance": "TOP_SECRET"}, "at": "2026-01-01T00:00:00Z"}""";

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void permitsKoreanSecretToJapanRemarkedGokuhi() {
    int exit = run(KOR_SECRET_TO_JPN, "policy", "decide");

    assertThat(exit).isZero();
    assertThat(stdout())
        .isEqualTo(
            "{\"decision\":\"PERMIT\",\"reasons\":[],\"marking\":\"極秘\",\"agreement\":\"KOR-JPN-GSOMIA-2016\"}\n");
    assertThat(stderr()).isEmpty();
  }

  @Test
  void answersAnArrayOneLinePerQuestionInOrder() {
    int exit = run("[" + KOR_TOP_SECRET_TO_JPN + "," + KOR_SECRET_TO_JPN + "]", "policy", "decide");

    assertThat(exit).isZero();
    assertThat(stdout().split("\n"))
        .containsExactly(
            "{\"decision\":\"DENY\",\"reasons\":[\"LEVEL_NOT_COVERED\"]}",
            "{\"decision\":\"PERMIT\",\"reasons\":[],\"marking\":\"極秘\",\"agreement\":\"KOR-JPN-GSOMIA-2016\"}");
  }

  @Test
  void atDefaultsToNow() {
    String before2016 = KOR_SECRET_TO_JPN.replace(", \"at\": \"2026-01-01T00:00:00Z\"", "");
    Clock in2015 = Clock.fixed(Instant.parse("2015-06-01T00:00:00Z"), ZoneOffset.UTC);

    int exit = Allied.commandLine(stdin(before2016), out, err, in2015).execute("policy", "decide");

    assertThat(exit).isZero();
    assertThat(stdout())
        .isEqualTo("{\"decision\":\"DENY\",\"reasons\":[\"NO_AGREEMENT_IN_FORCE\"]}\n");
  }

  @Test
  void anInvalidLabelSaysHow() {
    String wrongNation = KOR_SECRET_TO_JPN.replace("군사II급비밀", "極秘");

    run(wrongNation, "policy", "decide");

    assertThat(stdout())
        .isEqualTo(
            "{\"decision\":\"DENY\",\"reasons\":[\"LABEL_INVALID\"],\"labelDefects\":[\"MARKING_NOT_OF_POLICY\"]}\n");
  }

  @Test
  void unknownLevelsAndClearancesDenyRatherThanFail() {
    run(
        KOR_TOP_SECRET_TO_JPN.replace("\"level\": \"TOP_SECRET\"", "\"level\": \"COSMIC\"")
            + KOR_SECRET_TO_JPN.replace("\"clearance\": \"SECRET\"", "\"clearance\": \"COSMIC\""),
        "policy",
        "decide");

    assertThat(stdout().split("\n"))
        .containsExactly(
            "{\"decision\":\"DENY\",\"reasons\":[\"LABEL_INVALID\"],\"labelDefects\":[\"UNKNOWN_LEVEL\"]}",
            "{\"decision\":\"DENY\",\"reasons\":[\"INSUFFICIENT_CLEARANCE\",\"UNKNOWN_RECIPIENT\"]}");
  }

  @Test
  void readsAFileAndAConfiguration(@TempDir Path dir) throws Exception {
    Path input = Files.writeString(dir.resolve("q.json"), KOR_SECRET_TO_JPN);
    Path config =
        Files.writeString(
            dir.resolve("f.yaml"),
            """
        nations:
          - code: KOR
            markings: {SECRET: [군사II급비밀]}
          - code: JPN
            markings: {SECRET: [極秘]}
        agreements: []
        """);

    int exit =
        run("", "policy", "decide", "--config", config.toString(), "--input", input.toString());

    assertThat(exit).isZero();
    assertThat(stdout())
        .isEqualTo("{\"decision\":\"DENY\",\"reasons\":[\"NO_AGREEMENT_IN_FORCE\"]}\n");
  }

  @Test
  void malformedInputPrintsOneLineNamingWhatIsWrongAndExitsTwo() {
    String[][] cases = {
      {"{\"label\": ", "allied policy decide: input: not valid JSON at line 1"},
      {"{\"recipient\": {}}", "allied policy decide: input[0]: `label` is required"},
      {
        KOR_SECRET_TO_JPN.replace("\"releasableTo\"", "\"releasable_to\""),
        "allied policy decide: input[0].label.releasable_to: unknown key"
      },
      {
        KOR_SECRET_TO_JPN.replace("[\"KOR\",\"JPN\"]", "\"KOR,JPN\""),
        "allied policy decide: input[0].label.releasableTo: expected an array of strings"
      },
      {
        KOR_SECRET_TO_JPN.replace("2026-01-01T00:00:00Z", "yesterday"),
        "allied policy decide: input[0].at: \"yesterday\" is not an ISO-8601 instant"
      },
      {"[" + KOR_SECRET_TO_JPN + ", 3]", "allied policy decide: input[1]: expected an object"},
      {"", "allied policy decide: input: no question given"}
    };

    for (String[] c : cases) {
      out.reset();
      err.reset();
      int exit = run(c[0], "policy", "decide");

      assertThat(exit).as(c[1]).isEqualTo(2);
      assertThat(stdout()).as(c[1]).isEmpty();
      assertThat(stderr()).as(c[1]).startsWith(c[1]).endsWith("\n").doesNotContain("\tat ");
      assertThat(stderr().strip().lines()).as(c[1]).hasSize(1);
    }
  }

  @Test
  void aBrokenConfigurationExitsTwoNamingTheEntry(@TempDir Path dir) throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("f.yaml"), "nations:\n  - code: KOREA\n    markings: {SECRET: [x]}\n");

    int exit = run(KOR_SECRET_TO_JPN, "policy", "decide", "--config", config.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(stderr()).contains("nations[0].code: \"KOREA\" is not an ISO 3166-1 alpha-3 code");
  }

  private int run(String stdin, String... args) {
    return Allied.commandLine(stdin(stdin), out, err, Clock.systemUTC()).execute(args);
  }

  private static ByteArrayInputStream stdin(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
