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

  /** A member of the crisis hotline: sends, watches and acknowledges on its own nation's node. */
  public static final String HOTLINE_MEMBER = "hotline-member";

  /** A hotline member who may send FLASH OVERRIDE and is an alarm's last escalation. */
  public static final String HOTLINE_PRINCIPAL = "hotline-principal";

  /** A national security adviser on the hotline: an alarm's second escalation. */
  public static final String HOTLINE_ADVISER = "hotline-adviser";

  /** A watch officer on the hotline: acknowledges line tests; an alarm's first recipient. */
  public static final String HOTLINE_WATCH_OFFICER = "hotline-watch-officer";

  /** A nation's hotline node, pulling what a peer node holds for it. */
  public static final String HOTLINE_RELAY = "hotline-relay";
}
