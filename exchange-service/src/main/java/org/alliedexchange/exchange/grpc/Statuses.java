package org.alliedexchange.exchange.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.sql.SQLException;

/** The refusals the exchange's RPCs end with, each with a message a developer can act on. */
final class Statuses {
  private Statuses() {}

  static StatusRuntimeException invalid(String why) {
    return Status.INVALID_ARGUMENT.withDescription(why).asRuntimeException();
  }

  static StatusRuntimeException denied(String why) {
    return Status.PERMISSION_DENIED.withDescription(why).asRuntimeException();
  }

  static StatusRuntimeException unavailable(SQLException e) {
    return Status.UNAVAILABLE
        .withDescription("the product store is unavailable: " + e.getMessage())
        .asRuntimeException();
  }

  /** The message of the innermost cause: what actually went wrong. */
  static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
