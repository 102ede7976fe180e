-- The line's supervision: probes and link states, line tests, the acknowledgements parties owe,
-- alarms and their steps, so a restarted node keeps its open alarms and owed acknowledgements.

-- Every probe of a peer: its round trip, or the error when it went unanswered. Pruned after 30 days.
CREATE TABLE line_probe (
  id            bigserial   PRIMARY KEY,
  peer          text        NOT NULL,
  probed_at     timestamptz NOT NULL,
  round_trip_us bigint      CHECK (round_trip_us >= 0),
  error         text,
  CHECK ((round_trip_us IS NULL) <> (error IS NULL))
);
CREATE INDEX line_probe_peer ON line_probe (peer, probed_at);

-- Every change of a peer's link state (allied.hotline.v1.LinkState numbers), kept.
CREATE TABLE link_state_change (
  id             bigserial   PRIMARY KEY,
  peer           text        NOT NULL,
  previous_state smallint    NOT NULL,
  state          smallint    NOT NULL,
  at             timestamptz NOT NULL,
  reason         text        NOT NULL
);
CREATE INDEX link_state_change_peer ON link_state_change (peer, id);

-- The line tests this node sent, one per conference and slot, with the hash of the chain head it
-- signed before each.
CREATE TABLE line_test (
  message_id text        PRIMARY KEY,
  conference text        NOT NULL,
  slot       bigint      NOT NULL,
  sent_at    timestamptz NOT NULL,
  head_hash  bytea       NOT NULL,
  UNIQUE (conference, slot)
);

-- The acknowledgements a party owes: a line test's or a FLASH/IMMEDIATE message's, per party.
CREATE TABLE ack_deadline (
  message_id      text        NOT NULL,
  party           text        NOT NULL,
  conference      text        NOT NULL,
  -- the allied.hotline.v1.AlarmKind a miss raises: TEST_MISSED or NOT_ACKNOWLEDGED
  raises          smallint    NOT NULL,
  due_at          timestamptz NOT NULL,
  acknowledged_by text,
  acknowledged_at timestamptz,
  missed_at       timestamptz,
  PRIMARY KEY (message_id, party)
);
CREATE INDEX ack_deadline_open ON ack_deadline (due_at)
  WHERE acknowledged_at IS NULL AND missed_at IS NULL;

-- Alarms as they stand (allied.hotline.v1 AlarmKind and EscalationLevel numbers).
CREATE TABLE alarm (
  id              text        PRIMARY KEY,
  kind            smallint    NOT NULL,
  conference      text        NOT NULL,
  message_id      text        NOT NULL,
  peer            text        NOT NULL,
  detail          text        NOT NULL,
  level           smallint    NOT NULL,
  raised_at       timestamptz NOT NULL,
  repeats         integer     NOT NULL,
  last_step_at    timestamptz NOT NULL,
  level_since     timestamptz NOT NULL,
  acknowledged_by text,
  acknowledged_at timestamptz
);
CREATE INDEX alarm_open ON alarm (raised_at) WHERE acknowledged_at IS NULL;

-- Every step of every alarm: RAISED, REPEATED, ESCALATED:<LEVEL>, UPDATED, ACKNOWLEDGED.
CREATE TABLE alarm_step (
  id       bigserial   PRIMARY KEY,
  alarm_id text        NOT NULL REFERENCES alarm (id),
  step     text        NOT NULL,
  level    smallint    NOT NULL,
  actor    text        NOT NULL,
  at       timestamptz NOT NULL
);
CREATE INDEX alarm_step_alarm ON alarm_step (alarm_id, id);
