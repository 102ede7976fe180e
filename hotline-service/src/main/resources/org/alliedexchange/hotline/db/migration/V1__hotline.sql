-- One nation's hotline node: every relayed item it holds (its own stream's and its peers'), the
-- receipts per message and party, the idempotency keys of sends, and the event log its watch
-- sessions read.

-- An item exactly as its origin signed it (label without any release, content, binding), numbered
-- per (origin, conference) from 1 without gaps. The primary key is what makes a duplicate from the
-- transport a no-op.
CREATE TABLE relay_item (
  origin              text        NOT NULL,
  conference          text        NOT NULL,
  sequence            bigint      NOT NULL CHECK (sequence > 0),
  item_id             text        NOT NULL UNIQUE,
  -- MESSAGE, RECEIPT, CHAIN_HEAD, MEMBERSHIP
  kind                text        NOT NULL,
  -- allied.hotline.v1.Precedence number, by which the item is relayed
  precedence          smallint    NOT NULL,
  -- the message, or the message a receipt is about
  message_id          text,
  label               bytea       NOT NULL,
  content             bytea       NOT NULL,
  binding             bytea       NOT NULL,
  -- from the release the gateway appended when the item was relayed in
  release_marking     text,
  release_transfer_id text,
  created_at          timestamptz NOT NULL,
  stored_at           timestamptz NOT NULL DEFAULT now(),
  -- set when the item arrived later than the delay threshold after its creation
  delay_ms            bigint,
  -- set when this node could not take the item (its NON_DELIVERED reason); kept so the numbering
  -- stays contiguous
  refused_reason      text,
  PRIMARY KEY (origin, conference, sequence)
);
CREATE INDEX relay_item_message ON relay_item (message_id) WHERE kind = 'MESSAGE';

-- This node's own stream per conference: the last item sequence and the last message serial.
CREATE TABLE own_stream (
  conference    text   PRIMARY KEY,
  last_sequence bigint NOT NULL,
  last_serial   bigint NOT NULL
);

-- Every receipt known here, this node's and its peers': one row per message, party and state.
CREATE TABLE receipt (
  message_id text        NOT NULL,
  party      text        NOT NULL,
  -- allied.hotline.v1.ReceiptState number
  state      smallint    NOT NULL,
  conference text        NOT NULL,
  by_person  text,
  reason     text,
  at         timestamptz NOT NULL,
  PRIMARY KEY (message_id, party, state)
);

-- A send repeated with the same key by the same person returns the first message.
CREATE TABLE send_key (
  sender     text NOT NULL,
  send_key   text NOT NULL,
  message_id text NOT NULL,
  PRIMARY KEY (sender, send_key)
);

-- What the watch sessions show, per conference, in the order it happened: the cursor is the
-- position. `response` is the WatchResponse without its cursor.
CREATE TABLE event_log (
  position   bigserial   PRIMARY KEY,
  conference text        NOT NULL,
  response   bytea       NOT NULL,
  -- for a message event: the message and its origin (a first showing is its DELIVERED receipt)
  message_id text,
  origin     text,
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_log_conference ON event_log (conference, position);
