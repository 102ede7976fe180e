package org.alliedexchange.exchange.config;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;

/** The embedded PostgreSQL, or none when an external database is configured. */
public record EmbeddedDatabase(EmbeddedPostgres postgres) implements AutoCloseable {

  public static final EmbeddedDatabase NONE = new EmbeddedDatabase(null);

  @Override
  public void close() throws IOException {
    if (postgres != null) {
      postgres.close();
    }
  }
}
