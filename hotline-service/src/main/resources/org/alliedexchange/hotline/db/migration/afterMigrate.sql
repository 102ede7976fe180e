-- Run by Flyway after every migration, as the role that owns the tables: what the role the hotline
-- node works as (${service_role}) may do. It keeps items, receipts and events, which it never changes
-- or removes (but for the counters of its own stream); it cannot alter the schema.
GRANT SELECT, INSERT ON relay_item, receipt, send_key, event_log TO ${service_role};
GRANT SELECT, INSERT, UPDATE ON own_stream TO ${service_role};
GRANT USAGE ON SEQUENCE event_log_position_seq TO ${service_role};
