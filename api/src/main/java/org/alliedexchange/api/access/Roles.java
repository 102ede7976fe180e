package org.alliedexchange.api.access;

/** The token roles the guarded APIs ask for, as the realm grants them. */
public final class Roles {
  private Roles() {}

  /** Publishes and amends a nation's own products. */
  public static final String EXCHANGE_PUBLISH = "exchange-publish";

  /** Reads products (get, search, subscribe), each released only as the engine permits. */
  public static final String EXCHANGE_READ = "exchange-read";

  /** Reads the audit log of the relationships its own nation is party to. */
  public static final String AUDITOR = "auditor";
}
