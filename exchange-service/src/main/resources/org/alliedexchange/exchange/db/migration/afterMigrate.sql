-- Run by Flyway after every migration, as the role that owns the tables: what the role the exchange
-- service works as (${service_role}) may do. It publishes and amends products and keeps the feed
-- and the amendments, which it never changes or removes; it cannot alter the schema.
GRANT SELECT, INSERT, UPDATE ON product TO ${service_role};
GRANT SELECT, INSERT ON feed, amendment TO ${service_role};
GRANT USAGE ON SEQUENCE product_seq_seq, feed_position_seq, amendment_id_seq TO ${service_role};
