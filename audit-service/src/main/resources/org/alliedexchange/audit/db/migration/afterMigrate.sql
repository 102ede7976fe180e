-- Run by Flyway after every migration, as the role that owns the tables: what the role the audit
-- service works as (${service_role}) may do. It appends to the log and the checkpoints and never
-- changes or removes them; not owning them, it cannot drop their append-only triggers either.
GRANT SELECT, INSERT ON audit_record, checkpoint TO ${service_role};
-- the chain heads and the report counts move with each batch
GRANT SELECT, INSERT, UPDATE ON chain_head, transfer_rollup, refusal_rollup TO ${service_role};
GRANT SELECT, INSERT ON dead_letter TO ${service_role};
GRANT USAGE ON SEQUENCE dead_letter_id_seq TO ${service_role};
-- the product ids summaries list, appended with their records
GRANT SELECT, INSERT ON withheld_row TO ${service_role};
