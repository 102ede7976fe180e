#!/bin/bash
# Run once by PostgreSQL's entrypoint at the first start: for every <db>.owner password file in
# /etc/allied/postgres-roles, a database <db> owned by <db>_owner, and (with <db>.service) the role
# <db>_service the service logs in as, allowed to connect and to use the schema; the service's
# migrations grant it the rest. Passwords go over psql variables, never into the statement text.
set -euo pipefail
roles=/etc/allied/postgres-roles
for owner_file in "$roles"/*.owner; do
  db=$(basename "$owner_file" .owner)
  [[ "$db" =~ ^[a-z][a-z0-9_]*$ ]] || { echo "bad database name $db" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 --username postgres --dbname postgres \
    -v owner="${db}_owner" -v pw="$(cat "$owner_file")" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw';
SQL
  psql -v ON_ERROR_STOP=1 --username postgres --dbname postgres \
    -c "CREATE DATABASE $db OWNER ${db}_owner" -c "REVOKE ALL ON DATABASE $db FROM PUBLIC"
  if [[ -f "$roles/$db.service" ]]; then
    psql -v ON_ERROR_STOP=1 --username postgres --dbname postgres \
      -v service="${db}_service" -v pw="$(cat "$roles/$db.service")" <<'SQL'
CREATE ROLE :"service" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw';
SQL
    psql -v ON_ERROR_STOP=1 --username postgres --dbname "$db" \
      -c "GRANT CONNECT ON DATABASE $db TO ${db}_service" \
      -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC" \
      -c "GRANT USAGE ON SCHEMA public TO ${db}_service"
  fi
done
