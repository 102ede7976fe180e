package org.alliedexchange.cli;

/** Input the command cannot read; the message names where and what, in one line. */
final class MalformedInputException extends Exception {
  private static final long serialVersionUID = 1L;

  MalformedInputException(String message) {
    super(message);
  }
}
