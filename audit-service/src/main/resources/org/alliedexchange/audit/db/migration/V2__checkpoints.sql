-- Signed checkpoints: a chain's sequence and head hash at an instant, signed by the audit service's key.
-- Append-only like the log: a checkpoint that could be rewritten would prove nothing.
CREATE TABLE checkpoint (
  relationship text        NOT NULL,
  sequence     bigint      NOT NULL,
  head_hash    bytea       NOT NULL,
  issued_at    timestamptz NOT NULL,
  key_id       text        NOT NULL,
  signature    bytea       NOT NULL,
  PRIMARY KEY (relationship, sequence)
);
CREATE TRIGGER checkpoint_append_only BEFORE UPDATE OR DELETE ON checkpoint
  FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER checkpoint_no_truncate BEFORE TRUNCATE ON checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
