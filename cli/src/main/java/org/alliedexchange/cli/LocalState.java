package org.alliedexchange.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.alliedexchange.cli.federation.LocalFederation;
import tools.jackson.databind.JsonNode;

/** The local federation's state file, which `./allied up` writes: where it is, and what it says. */
final class LocalState {

  private LocalState() {}

  /**
   * The state file in {@code dataDir}, or in the default data directory (ALLIED_DATA_DIR) when
   * null.
   */
  static Path file(Path dataDir) {
    return LocalFederation.stateFile(dataDir != null ? dataDir : LocalFederation.defaultDataDir());
  }

  /**
   * What the file says; an empty object when no federation runs or the file cannot be read, so
   * defaults apply.
   */
  static JsonNode readOrEmpty(Path dataDir) {
    Path file = file(dataDir);
    try {
      return Files.exists(file)
          ? Json.MAPPER.readTree(Files.readString(file))
          : Json.MAPPER.createObjectNode();
    } catch (IOException | RuntimeException e) {
      return Json.MAPPER.createObjectNode();
    }
  }
}
