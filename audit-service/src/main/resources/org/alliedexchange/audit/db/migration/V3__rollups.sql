-- Counts kept at ingest, in the same transaction as the records they count, so a compliance report
-- over millions of records reads a few hundred rows. Derived data: the log itself stays the evidence.
CREATE TABLE transfer_rollup (
  relationship text     NOT NULL,
  day          date     NOT NULL,
  originator   text     NOT NULL,
  recipient    text     NOT NULL,
  level        smallint NOT NULL,
  decision     smallint NOT NULL,
  count        bigint   NOT NULL,
  PRIMARY KEY (relationship, day, originator, recipient, level, decision)
);
CREATE TABLE refusal_rollup (
  relationship text     NOT NULL,
  day          date     NOT NULL,
  originator   text     NOT NULL,
  recipient    text     NOT NULL,
  reason       smallint NOT NULL,
  count        bigint   NOT NULL,
  PRIMARY KEY (relationship, day, originator, recipient, reason)
);
CREATE INDEX audit_record_type ON audit_record (relationship, event_type, occurred_at);
