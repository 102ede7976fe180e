package org.alliedexchange.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
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

  /**
   * Runs a call that must be refused (PERMISSION_DENIED, naming {@code reason}) and shows the
   * refusal.
   */
  void refused(Runnable call, String reason, String narration) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      expect(
          e.getStatus().getCode() == Status.Code.PERMISSION_DENIED,
          "expected PERMISSION_DENIED, got " + ExchangeOutput.describe(e.getStatus()));
      expect(
          e.getStatus().getDescription() != null && e.getStatus().getDescription().contains(reason),
          "expected " + reason + ", got " + e.getStatus().getDescription());
      show(
          narration + " (" + e.getStatus().getCode() + ": " + e.getStatus().getDescription() + ")");
      return;
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
