-- The audit log: one hash-linked chain per relationship ("JPN-KOR", or "KOR" for one nation's own
-- records). Records are only ever appended: the triggers below refuse UPDATE, DELETE and TRUNCATE.
CREATE TABLE audit_record (
  relationship     text        NOT NULL,
  sequence         bigint      NOT NULL,
  event_id         text        NOT NULL,
  event_type       text        NOT NULL,
  occurred_at      timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  -- the transfer's decision (1 PERMIT, 2 DENY), originator, recipient, level and system, for queries; null for other events
  decision         smallint,
  originator       text,
  recipient        text,
  level            smallint,
  recipient_system text,
  product_id       text,
  -- the AuditEvent exactly as it came off the stream: what the chain hashes
  event            bytea       NOT NULL,
  hash             bytea       NOT NULL,
  PRIMARY KEY (relationship, sequence),
  UNIQUE (relationship, event_id)
);
CREATE INDEX audit_record_event_id ON audit_record (event_id);
CREATE INDEX audit_record_occurred ON audit_record (relationship, occurred_at);

-- the head of each chain, so a writer extends it without scanning the log (locked per batch)
CREATE TABLE chain_head (
  relationship text   PRIMARY KEY,
  sequence     bigint NOT NULL,
  hash         bytea  NOT NULL
);

CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record
  FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
