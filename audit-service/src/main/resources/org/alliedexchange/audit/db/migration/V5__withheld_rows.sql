-- Every product id a summary of withheld rows lists, with the record that lists it, so a search by
-- product id finds the refusal inside a summary as well as a record of its own. Derived from the
-- records' own bytes (the log stays the evidence); appended with them, in the same transaction.
CREATE TABLE withheld_row (
  product_id   text   NOT NULL,
  relationship text   NOT NULL,
  sequence     bigint NOT NULL,
  -- (relationship, sequence) names a record of audit_record; no foreign key, so TRUNCATE of the log
  -- still meets its own append-only trigger first
  PRIMARY KEY (product_id, relationship, sequence)
);
CREATE TRIGGER withheld_row_append_only BEFORE UPDATE OR DELETE ON withheld_row
  FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER withheld_row_no_truncate BEFORE TRUNCATE ON withheld_row
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
