-- Every binding carries the product's version (Binding.version, field 10), 1 at publish and raised by
-- every amendment, so the gateway can refuse a stale one. Products stored before versions existed are
-- version 1: their signature's leaf is the version-1 form, and appending field 10 = 1 (tag 0x50, varint
-- 0x01) to the stored binding bytes is exactly how protobuf would encode it, without re-signing.
ALTER TABLE product ADD COLUMN version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1);
UPDATE product SET binding = binding || '\x5001'::bytea;

-- The version each amendment produced, beside the label it replaced (NULL for those made before).
ALTER TABLE amendment ADD COLUMN version BIGINT;
