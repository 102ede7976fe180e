-- Events the audit service could not store, each on its own with why: an alarm that health and the
-- compliance reports read. Kept as evidence beside the log, never in a chain.
CREATE TABLE dead_letter (
  id            bigserial   PRIMARY KEY,
  stream        text        NOT NULL,
  stream_id     text        NOT NULL,
  -- the event's place in its stream entry; -1 when the entry as a whole could not be read
  position      integer     NOT NULL,
  -- as written, made printable; null when the event had none or could not be read
  event_id      text,
  -- the relationships its well-formed nations make; empty when none can be determined (unattributed)
  relationships text[]      NOT NULL,
  reason        text        NOT NULL,
  event         bytea       NOT NULL,
  dead_at       timestamptz NOT NULL DEFAULT now(),
  -- set by whoever has looked into it; until then the dead letter keeps ingestion health NOT_SERVING
  reviewed_at   timestamptz,
  UNIQUE (stream, stream_id, position)
);
CREATE INDEX dead_letter_relationships ON dead_letter USING gin (relationships);
CREATE INDEX dead_letter_unreviewed ON dead_letter (dead_at) WHERE reviewed_at IS NULL;
