-- Each nation is authoritative for its own members of a conference. Per conference and nation, the
-- members as last announced: this node's own (what it recorded at its last start, compared with its
-- conference file at the next) and each peer's (what that peer's node relayed last, which replaces
-- that nation's members of the file here).
CREATE TABLE conference_membership (
  conference  text        NOT NULL,
  nation      text        NOT NULL,
  -- the number of the MEMBERSHIP item in the nation's stream that announced it; 0 for this node's
  -- first record, which is not relayed
  sequence    bigint      NOT NULL CHECK (sequence >= 0),
  -- an allied.hotline.v1.MembershipChange whose `members` are the nation's members
  change      bytea       NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conference, nation)
);
