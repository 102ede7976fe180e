package org.alliedexchange.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alliedexchange.cli.DemoCommand.NotShown;

/**
 * The demo's voice: a numbered line per step, an indented line per thing shown, and the checks
 * behind them.
 */
final class DemoNarrator {

  private final PrintWriter out;

  DemoNarrator(PrintWriter out) {
    this.out = out;
  }

  void say(int step, String text) {
    out.println();
    out.println(step + ". " + text);
    out.flush();
  }

  void show(String text) {
    out.println("   " + text);
    out.flush();
  }

  private static final Pattern QUOTED_TRANSFER = Pattern.compile("quote transfer (\\S+)");

  /**
   * Runs a call that must be refused (PERMISSION_DENIED, saying {@code expected}) and shows the
   * refusal; returns the transfer id the refusal quotes, or "" when it quotes none.
   */
  String refused(Runnable call, String expected, String narration) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      expect(
          e.getStatus().getCode() == Status.Code.PERMISSION_DENIED,
          "expected PERMISSION_DENIED, got " + ExchangeOutput.describe(e.getStatus()));
      String description = e.getStatus().getDescription();
      expect(
          description != null && description.contains(expected),
          "expected " + expected + ", got " + description);
      show(narration + " (" + e.getStatus().getCode() + ": " + description + ")");
      Matcher quoted = QUOTED_TRANSFER.matcher(description);
      return quoted.find() ? quoted.group(1) : "";
    }
    throw new NotShown(narration + ": but it was not refused");
  }

  /** The check behind what a step shows; the first that fails ends the demo. */
  static void expect(boolean held, String otherwise) {
    if (!held) {
      throw new NotShown(otherwise);
    }
  }
}
