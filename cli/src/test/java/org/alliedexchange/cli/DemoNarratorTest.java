package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** How the demo narrates a step, and when a refusal it expects ends the demo instead. */
class DemoNarratorTest {

  private final StringWriter printed = new StringWriter();
  private final DemoNarrator narrator = new DemoNarrator(new PrintWriter(printed));

  @Test
  void aStepIsANumberedLineAndWhatItShowsIsIndented() {
    narrator.say(3, "Korea publishes a report.");
    narrator.show("The USA received it.");

    assertThat(printed.toString())
        .isEqualTo("\n3. Korea publishes a report.\n   The USA received it.\n");
  }

  @Test
  void theExpectedRefusalIsShownWithItsCodeAndTheTransferItQuotes() {
    String transfer =
        narrator.refused(
            () -> {
              throw Status.PERMISSION_DENIED
                  .withDescription(
                      "product p-1 is not released to you; quote transfer t-9 to ask why")
                  .asRuntimeException();
            },
            "quote transfer",
            "Japan did not get it");

    assertThat(transfer).isEqualTo("t-9");
    assertThat(printed.toString())
        .isEqualTo(
            "   Japan did not get it (PERMISSION_DENIED: product p-1 is not released to you; quote"
                + " transfer t-9 to ask why)\n");
  }

  @Test
  void aCallThatWentThroughEndsTheDemo() {
    assertThatThrownBy(
            () -> narrator.refused(() -> {}, "NOT_RELEASABLE_TO_NATION", "Nobody abroad gets it"))
        .isInstanceOf(DemoCommand.NotShown.class)
        .hasMessage("Nobody abroad gets it: but it was not refused");
    assertThat(printed.toString()).isEmpty();
  }

  @Test
  void aRefusalForAnotherReasonEndsTheDemo() {
    assertThatThrownBy(
            () ->
                narrator.refused(
                    () -> {
                      throw Status.PERMISSION_DENIED
                          .withDescription("INSUFFICIENT_CLEARANCE")
                          .asRuntimeException();
                    },
                    "LEVEL_NOT_COVERED",
                    "Japan did not get it"))
        .isInstanceOf(DemoCommand.NotShown.class)
        .hasMessage("expected LEVEL_NOT_COVERED, got INSUFFICIENT_CLEARANCE");
  }

  @Test
  void aFailureThatIsNotARefusalEndsTheDemo() {
    assertThatThrownBy(
            () ->
                narrator.refused(
                    () -> {
                      throw Status.UNAVAILABLE.withDescription("gateway down").asRuntimeException();
                    },
                    "LEVEL_NOT_COVERED",
                    "Japan did not get it"))
        .isInstanceOf(DemoCommand.NotShown.class)
        .hasMessageStartingWith("expected PERMISSION_DENIED, got UNAVAILABLE");
  }
}
