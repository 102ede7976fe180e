package org.alliedexchange.auditstream;

/**
 * An event the audit service would not store (see {@link AuditEventRules}), refused by a writer
 * before it reached the stream: what it records must not happen, since it could not be audited.
 */
public final class UnstorableAuditEvent extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public UnstorableAuditEvent(String reason) {
    super("the audit service would not store this event: " + reason);
  }
}
