-- Run by Flyway after every migration, as the role that owns the tables: what the role the hotline
-- node works as (${service_role}) may do. It keeps items, receipts and events, which it never changes
-- or removes (but for the counters of its own stream); it cannot alter the schema.
GRANT SELECT, INSERT ON relay_item, receipt, send_key, event_log TO ${service_role};
GRANT SELECT, INSERT, UPDATE ON own_stream TO ${service_role};
GRANT USAGE ON SEQUENCE event_log_position_seq TO ${service_role};
-- The line's supervision: probes are pruned, owed acknowledgements and alarms change state; link
-- changes, tests and alarm steps are only added.
GRANT SELECT, INSERT, DELETE ON line_probe TO ${service_role};
GRANT SELECT, INSERT ON link_state_change, line_test, alarm_step TO ${service_role};
GRANT SELECT, INSERT, UPDATE ON ack_deadline, alarm TO ${service_role};
GRANT USAGE ON SEQUENCE line_probe_id_seq, link_state_change_id_seq, alarm_step_id_seq TO ${service_role};
-- The members as last announced, per conference and nation: replaced when they change.
GRANT SELECT, INSERT, UPDATE ON conference_membership TO ${service_role};
