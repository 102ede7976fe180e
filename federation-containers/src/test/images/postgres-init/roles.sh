#!/bin/bash
# Mounted into /docker-entrypoint-initdb.d of a service's PostgreSQL: the roles LocalPostgres makes,
# allied_owner (owns the tables, runs the migrations) and allied_service (what the service works as),
# with the passwords of ALLIED_OWNER_PASSWORD and ALLIED_SERVICE_PASSWORD; only the owner creates.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -q -h /var/run/postgresql -U postgres -d "${POSTGRES_DB:-allied}" \
  -v owner="$ALLIED_OWNER_PASSWORD" -v service="$ALLIED_SERVICE_PASSWORD" <<'SQL'
CREATE ROLE allied_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner';
CREATE ROLE allied_service LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'service';
ALTER DATABASE allied OWNER TO allied_owner;
REVOKE ALL ON DATABASE allied FROM PUBLIC;
GRANT CONNECT ON DATABASE allied TO allied_service;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO allied_service;
SQL
