-- A nation's products: label, content and binding stored as the exact bytes that were signed.
CREATE TABLE product (
  seq             BIGSERIAL    PRIMARY KEY,
  id              UUID         NOT NULL UNIQUE,
  topic           TEXT         NOT NULL,
  level           SMALLINT     NOT NULL,
  observed_at     TIMESTAMPTZ  NOT NULL,
  published_at    TIMESTAMPTZ  NOT NULL,
  publisher       TEXT         NOT NULL,
  idempotency_key TEXT,
  label           BYTEA        NOT NULL,
  content         BYTEA        NOT NULL,
  binding         BYTEA        NOT NULL,
  CONSTRAINT product_idempotency UNIQUE (publisher, idempotency_key)
);
CREATE INDEX product_topic_seq ON product (topic, seq);
CREATE INDEX product_observed_seq ON product (observed_at, seq);

-- The live feed: one entry per publish or amendment. Writers take an advisory lock for the whole
-- transaction, so positions are handed out in commit order and a reader never skips a late commit.
CREATE TABLE feed (
  position   BIGSERIAL PRIMARY KEY,
  product_id UUID      NOT NULL REFERENCES product (id),
  topic      TEXT      NOT NULL,
  kind       TEXT      NOT NULL CHECK (kind IN ('PUBLISHED', 'AMENDED'))
);
CREATE INDEX feed_topic_position ON feed (topic, position);

-- Every change of a product's releasability, with the label before it: the originator's consents.
CREATE TABLE amendment (
  id             BIGSERIAL   PRIMARY KEY,
  product_id     UUID        NOT NULL REFERENCES product (id),
  amended_at     TIMESTAMPTZ NOT NULL,
  amended_by     TEXT        NOT NULL,
  previous_label BYTEA       NOT NULL,
  justification  TEXT        NOT NULL
);
