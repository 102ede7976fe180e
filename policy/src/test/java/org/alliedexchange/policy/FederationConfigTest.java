package org.alliedexchange.policy;

import static org.alliedexchange.policy.Labels.marked;
import static org.alliedexchange.policy.Labels.recipient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class FederationConfigTest {

  @Test
  void theDefaultConfigurationHoldsThreeNationsAndThreeAgreements() {
    Federation federation = FederationConfig.loadDefault();

    assertThat(federation.nations())
        .extracting(NationalScheme::code)
        .containsExactly("KOR", "JPN", "USA");
    assertThat(federation.nation("USA").markingAt(Level.TOP_SECRET)).isEqualTo("TOP SECRET");
    assertThat(federation.nation("JPN").levelOf("特定秘密")).isEqualTo(Level.SECRET);
    assertThat(federation.nation("JPN").markingAt(Level.SECRET)).isEqualTo("極秘");
    assertThat(federation.nation("KOR").markingAt(Level.RESTRICTED)).isEqualTo("대외비");
    assertThat(federation.nation("JPN").markingAt(Level.RESTRICTED)).isNull();

    assertThat(federation.agreement("KOR-JPN-GSOMIA-2016").levels())
        .containsExactly(Level.CONFIDENTIAL, Level.SECRET);
    assertThat(federation.agreement("KOR-JPN-GSOMIA-2016").history().get(0).from())
        .isEqualTo(Instant.parse("2016-11-23T00:00:00Z"));
    assertThat(federation.agreement("KOR-USA-GSOMIA-1987").levels())
        .isEqualTo(EnumSet.of(Level.CONFIDENTIAL, Level.SECRET, Level.TOP_SECRET));
    assertThat(federation.agreement("KOR-USA-GSOMIA-1987").history().get(0).from())
        .isEqualTo(Instant.parse("1987-09-24T00:00:00Z"));
    assertThat(federation.agreement("JPN-USA-GSOMIA-2007").levels())
        .isEqualTo(EnumSet.of(Level.CONFIDENTIAL, Level.SECRET, Level.TOP_SECRET));
    assertThat(federation.agreement("JPN-USA-GSOMIA-2007").history().get(0).from())
        .isEqualTo(Instant.parse("2007-08-10T00:00:00Z"));
  }

  @Test
  void aFourthNationAndANewAgreementAreAConfigurationChange() throws IOException {
    String withGbr =
        defaultYaml()
            .replace(
                "agreements:\n",
                """
              - code: GBR
                name: United Kingdom
                markings:
                  UNCLASSIFIED: [OFFICIAL]
                  SECRET: [UK SECRET]
                  TOP_SECRET: [UK TOP SECRET]
            agreements:
              - id: KOR-GBR-2019
                parties: [KOR, GBR]
                covers:
                  KOR: [군사II급비밀]
                  GBR: [UK SECRET]
                history:
                  - {status: IN_FORCE, from: "2019-01-01T00:00:00Z"}
            """);
    ReleasabilityEngine engine = new ReleasabilityEngine(FederationConfig.parse(withGbr, "test"));

    Decision decision =
        engine.decide(
            marked("KOR", "군사II급비밀", "KOR", "GBR"),
            recipient("GBR", Level.SECRET),
            Instant.parse("2026-01-01T00:00:00Z"));

    assertThat(decision.permitted()).isTrue();
    assertThat(decision.marking()).isEqualTo("UK SECRET");
    assertThat(decision.agreementId()).isEqualTo("KOR-GBR-2019");
  }

  @Test
  void anAgreementThatNamesAnUnknownNationIsRefusedNamingTheEntry() throws IOException {
    String yaml = defaultYaml().replace("parties: [KOR, JPN]", "parties: [KOR, JPX]");

    assertThatThrownBy(() -> FederationConfig.parse(yaml, "federation.yaml"))
        .isInstanceOf(PolicyConfigException.class)
        .hasMessage(
            "federation.yaml: agreements[0] (KOR-JPN-GSOMIA-2016).parties: unknown nation \"JPX\"; known: [KOR, JPN, USA]");
  }

  @Test
  void anAgreementThatNamesAnUnknownMarkingIsRefusedNamingTheEntry() throws IOException {
    String yaml = defaultYaml().replace("JPN: [秘, 極秘]", "JPN: [秘, 極秘密]");

    assertThatThrownBy(() -> FederationConfig.parse(yaml, "federation.yaml"))
        .isInstanceOf(PolicyConfigException.class)
        .hasMessage(
            "federation.yaml: agreements[0] (KOR-JPN-GSOMIA-2016).covers.JPN: \"極秘密\" is not a marking of JPN");
  }

  @Test
  void anAgreementThatIsNotTheSameInBothDirectionsIsRefused() throws IOException {
    String yaml = defaultYaml().replace("JPN: [秘, 極秘]", "JPN: [秘, 極秘, 機密]");

    assertThatThrownBy(() -> FederationConfig.parse(yaml, "federation.yaml"))
        .isInstanceOf(PolicyConfigException.class)
        .hasMessage(
            "federation.yaml: agreements[0] (KOR-JPN-GSOMIA-2016): not the same in both directions: "
                + "KOR covers [CONFIDENTIAL, SECRET] but JPN covers [CONFIDENTIAL, SECRET, TOP_SECRET]");
  }

  @Test
  void otherMistakesAreRefusedNamingTheEntry() throws IOException {
    String base = defaultYaml();
    List<String[]> mistakes =
        List.of(
            new String[] {
              base.replace("code: JPN", "code: JP"),
              "nations[1].code: \"JP\" is not an ISO 3166-1 alpha-3 code"
            },
            new String[] {
              base.replace("SECRET: [極秘, 特定秘密]", "SECERT: [極秘, 特定秘密]"),
              "nations[1] (JPN).markings.SECERT: unknown level"
            },
            new String[] {
              base.replace("CONFIDENTIAL: [秘]", "CONFIDENTIAL: [極秘]"),
              "marking \"極秘\" is already listed at CONFIDENTIAL"
            },
            new String[] {
              base.replace(
                  "- status: IN_FORCE\n        from: 2016-11-23T00:00:00Z",
                  "- status: IN_FORCE\n        from: 2016-11-23"),
              "agreements[0] (KOR-JPN-GSOMIA-2016).history[0].from: \"2016-11-23\" is not an instant"
            },
            new String[] {
              base.replace(
                  "- status: IN_FORCE\n        from: 2007-08-10T00:00:00Z",
                  "- status: PAUSED\n        from: 2007-08-10T00:00:00Z"),
              "agreements[2] (JPN-USA-GSOMIA-2007).history[0].status: unknown status \"PAUSED\""
            },
            new String[] {
              base.replace("id: KOR-USA-GSOMIA-1987", "id: KOR-JPN-GSOMIA-2016"),
              "agreements[1] (KOR-JPN-GSOMIA-2016): id used twice"
            },
            new String[] {
              base.replace(
                  "    covers:\n      KOR: [군사III급비밀, 군사II급비밀]\n      JPN",
                  "    covers:\n      USA: [SECRET]\n      JPN"),
              "agreements[0] (KOR-JPN-GSOMIA-2016).covers.USA: \"USA\" is not a party"
            },
            new String[] {base + "\nextra: 1\n", "extra: unknown key"},
            new String[] {"nations: [", "not valid YAML or JSON"});

    for (String[] mistake : mistakes) {
      assertThatThrownBy(() -> FederationConfig.parse(mistake[0], "f.yaml"))
          .as(mistake[1])
          .isInstanceOf(PolicyConfigException.class)
          .hasMessageContaining(mistake[1]);
    }
  }

  @Test
  void aStatusHistoryOutOfOrderIsRefused() throws IOException {
    String yaml =
        defaultYaml()
            .replace(
                "        from: 2016-11-23T00:00:00Z\n",
                "        from: 2016-11-23T00:00:00Z\n      - status: SUSPENDED\n        from: 2016-01-01T00:00:00Z\n");

    assertThatThrownBy(() -> FederationConfig.parse(yaml, "f.yaml"))
        .isInstanceOf(PolicyConfigException.class)
        .hasMessageContaining(
            "agreements[0] (KOR-JPN-GSOMIA-2016).history[1].from: must come after 2016-11-23T00:00:00Z");
  }

  static String defaultYaml() throws IOException {
    try (var in = FederationConfig.class.getResourceAsStream(FederationConfig.DEFAULT_RESOURCE)) {
      return new String(Objects.requireNonNull(in).readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
